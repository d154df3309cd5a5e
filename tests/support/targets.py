"""The key the state-change error tests aim at (the ``key`` fixture of tests/routes/conftest.py,
named "target"), and how they send a request exactly as given."""

from __future__ import annotations

from typing import Any

from tests.helpers import Api, Reply
from tests.support.problems import assert_problem

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


# Every route of the key API by name, in the order the authorization tests walk them.
ROUTE_NAMES = ("create", "list", "get", "patch", "suspend", "activate", "revoke", "rotate", "delete")


def call_route(
    api: Api,
    token: str,
    route: str,
    target: str,
    create_body: dict[str, Any] | None = None,
    *,
    list_query: dict[str, str] | None = None,
) -> Reply:
    """The route named ``route`` (one of ROUTE_NAMES, or "audit-events") called by ``token`` on the
    key ``target``:
    create makes a key named "new" (with ``create_body``), list reads with ``list_query``, patch
    renames the target, the state changes send no body."""
    path = f"/v1/api-keys/{target}"
    if route == "create":
        return api.request(
            "POST", "/v1/api-keys", token=token, json_body={"name": "new", **(create_body or {})}
        )
    if route == "list":
        return api.request("GET", "/v1/api-keys", token=token, query=list_query)
    if route == "audit-events":  # the target's events
        return api.request("GET", "/v1/audit-events", token=token, query={"key_id": target})
    if route == "get":
        return api.request("GET", path, token=token)
    if route == "patch":
        return api.request("PATCH", path, token=token, json_body={"name": "renamed"})
    if route == "delete":
        return api.request("DELETE", path, token=token)
    return api.request("POST", f"{path}/{route}", token=token)


def unchanged(api: Api, key: dict[str, Any]) -> None:
    """The target key is stored as it was created: first version, same name."""
    item = api.parts.store.get_raw(key["id"])
    assert item is not None
    assert item["version"] == {"N": "1"}
    assert item["name"] == {"S": "target"}


def assert_invalid_and_unchanged(api: Api, reply: Reply, key: dict[str, Any], pointer: str) -> None:
    """``reply`` is a 422 naming ``pointer``, and the target key is stored as it was created."""
    assert_problem(reply, 422, "validation-error", pointer)
    unchanged(api, key)


def send(api: Api, token: str, method: str, path: str, body: str | None, **headers: str) -> Reply:
    """``body`` as text, declared JSON unless ``headers`` say otherwise."""
    all_headers = {"content-type": "application/json", **headers} if body is not None else headers
    return api.request(method, path, token=token, body=body, headers=all_headers)
