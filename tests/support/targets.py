"""The key the state-change error tests aim at (the ``key`` fixture of tests/routes/conftest.py,
named "target"), and how they send a request exactly as given."""

from __future__ import annotations

from typing import Any

from tests.helpers import Api, Reply

UNKNOWN_ID = "3c90c3cc-0d44-8b50-a888-8dd25736052a"
# Every route that acts on one key: (method, suffix after /v1/api-keys/{id}).
ROUTES = [
    ("PATCH", ""),
    ("POST", "/suspend"),
    ("POST", "/activate"),
    ("POST", "/revoke"),
    ("POST", "/rotate"),
    ("DELETE", ""),
]


def unchanged(api: Api, key: dict[str, Any]) -> None:
    """The target key is stored as it was created: first version, same name."""
    item = api.parts.store.get_raw(key["id"])
    assert item is not None
    assert item["version"] == {"N": "1"}
    assert item["name"] == {"S": "target"}


def send(api: Api, token: str, method: str, path: str, body: str | None, **headers: str) -> Reply:
    """``body`` as text, declared JSON unless ``headers`` say otherwise."""
    all_headers = {"content-type": "application/json", **headers} if body is not None else headers
    return api.request(method, path, token=token, body=body, headers=all_headers)
