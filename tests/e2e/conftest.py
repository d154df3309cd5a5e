"""End-to-end fixtures: the local server over HTTP, as a client sees it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

E2E_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


class Client:
    """A requests session bound to the local server's base URL."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def request(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.base_url + path, headers=headers, **kwargs)

    def get(self, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, token, **kwargs)

    def post(self, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, token, **kwargs)


@pytest.fixture(scope="session")
def client(local_server: str) -> Iterator[Client]:
    api = Client(local_server)
    yield api
    api.session.close()


@pytest.fixture(scope="session")
def create_key(client: Client) -> Callable[..., dict[str, Any]]:
    """``create_key(token, name=..., **fields)``: POST /v1/api-keys, asserting 201; the JSON body."""

    def create(token: str, name: str = "e2e key", **fields: Any) -> dict[str, Any]:
        response = client.post("/v1/api-keys", token, json={"name": name, **fields})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return create
