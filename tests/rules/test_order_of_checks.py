"""The order of checks on every management route: the body size (413), then the credential (401),
then the route's rights (403, and 404 for a key the caller may not see), then the media type and
the body (415, 400, 422). A caller without a valid credential learns nothing about the body's
rules (schemathesis found PATCH without credentials answering 422)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Api

# route -> (method, path with {id} or not)
ROUTES = {
    "create": ("POST", "/v1/api-keys"),
    "list": ("GET", "/v1/api-keys"),
    "get": ("GET", "/v1/api-keys/{id}"),
    "patch": ("PATCH", "/v1/api-keys/{id}"),
    "suspend": ("POST", "/v1/api-keys/{id}/suspend"),
    "activate": ("POST", "/v1/api-keys/{id}/activate"),
    "revoke": ("POST", "/v1/api-keys/{id}/revoke"),
    "rotate": ("POST", "/v1/api-keys/{id}/rotate"),
    "delete": ("DELETE", "/v1/api-keys/{id}"),
}
# What each route refuses about the request itself, with the status it answers once every earlier
# check passed: (kwargs for Api.request, status).
BAD_REQUESTS: dict[str, list[tuple[dict[str, Any], int]]] = {
    "create": [
        ({"body": "{", "headers": {"content-type": "application/json"}}, 400),
        ({"body": '{"name": "x"}', "headers": {"content-type": "text/plain"}}, 415),
        ({"json_body": {"name": ""}}, 422),
        ({"json_body": {"name": "x\u0018"}}, 422),
    ],
    "patch": [
        ({"body": "[]", "headers": {"content-type": "application/json"}}, 400),
        ({"body": '{"name": "x"}', "headers": {"content-type": "text/plain"}}, 415),
        ({"json_body": {"name": None}}, 422),
        ({"json_body": {"expires_at": "yesterday"}}, 422),
    ],
    "rotate": [
        ({"body": "nul", "headers": {"content-type": "application/json"}}, 400),
        ({"body": "{}", "headers": {"content-type": "text/plain"}}, 415),
        ({"json_body": {"grace_period_seconds": -1}}, 422),
    ],
    "list": [({"query": {"limit": "0"}}, 400), ({"query": {"cursor": "0"}}, 400)],
}
OVERSIZED: dict[str, Any] = {
    "body": '{"name": "' + "x" * 17_000 + '"}',
    "headers": {"content-type": "text/plain"},
}
PRODUCT_ONLY = ["read", "write"]  # no management scope: no right on this API


def path_of(route: str, key_id: str) -> tuple[str, str]:
    method, template = ROUTES[route]
    return method, template.replace("{id}", key_id)


def create(api: Api, token: str, **body: Any) -> dict[str, Any]:
    reply = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "k", **body})
    assert reply.status == 201, reply.text
    return dict(reply.body)


def problem(reply: Any, status: int, context: object) -> None:
    assert reply.status == status, (context, reply.text)
    assert reply.header("Content-Type") == "application/problem+json", context


@pytest.mark.parametrize("route", ROUTES)
def test_the_size_guard_comes_before_the_credential(api: Api, route: str) -> None:
    alice = api.session("alice", "acme")
    method, path = path_of(route, create(api, alice)["id"])
    problem(api.request(method, path, **OVERSIZED), 413, route)
    problem(api.request(method, path, token="not a credential", **OVERSIZED), 413, route)


@pytest.mark.parametrize("route", ROUTES)
def test_without_a_valid_credential_every_request_is_401_whatever_its_body(api: Api, route: str) -> None:
    alice = api.session("alice", "acme")
    method, path = path_of(route, create(api, alice)["id"])
    for token in (None, "ks_notakey", "a.b.c"):
        for request, _ in BAD_REQUESTS.get(route, [({}, 0)]):
            reply = api.request(method, path, token=token, **request)
            problem(reply, 401, (route, token, request))
            assert "errors" not in reply.body
            assert reply.header("WWW-Authenticate") is not None


@pytest.mark.parametrize("route", ROUTES)
def test_a_credential_without_the_routes_right_is_403_before_any_body_rule(api: Api, route: str) -> None:
    admin = api.session("root", "acme", ["admin"])
    caller = create(api, admin, service_account_id="sa_ci", scopes=PRODUCT_ONLY)["key"]
    method, path = path_of(route, create(api, admin, service_account_id="sa_ci")["id"])
    for request, _ in BAD_REQUESTS.get(route, [({}, 0)]):
        problem(api.request(method, path, token=caller, **request), 403, (route, request))


@pytest.mark.parametrize("route", [r for r in ROUTES if "{id}" in ROUTES[r][1]])
def test_a_key_the_caller_may_not_see_is_404_before_any_body_rule(api: Api, route: str) -> None:
    alice, bob = api.session("alice", "acme"), api.session("bob", "acme")
    globex = api.session("root", "globex", ["admin"])
    method, path = path_of(route, create(api, alice)["id"])
    missing = path_of(route, "3c90c3cc-0d44-8b50-a888-8dd25736052a")[1]
    for request, _ in BAD_REQUESTS.get(route, [({}, 0)]):
        for token in (bob, globex):
            problem(api.request(method, path, token=token, **request), 404, (route, request))
        problem(api.request(method, missing, token=alice, **request), 404, (route, request))


@pytest.mark.parametrize("route", BAD_REQUESTS)
def test_with_credential_and_rights_the_body_rules_answer(api: Api, route: str) -> None:
    alice = api.session("alice", "acme")
    method, path = path_of(route, create(api, alice)["id"])
    for request, status in BAD_REQUESTS[route]:
        problem(api.request(method, path, token=alice, **request), status, (route, request))
