"""Every request a client can get wrong on PATCH, suspend, activate, revoke, rotate and delete:
status, slug and pointer, and the key is left exactly as it was."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from keysmith import clock
from tests.helpers import Api, Reply

PROBLEM_TYPE = "urn:keysmith:problem:"
FUTURE = clock.rfc3339(time.time() + 86_400)
PAST = clock.rfc3339(time.time() - 60)
UNKNOWN_ID = "3c90c3cc-0d44-8b50-a888-8dd25736052a"
ROUTES = [
    ("PATCH", ""),
    ("POST", "/suspend"),
    ("POST", "/activate"),
    ("POST", "/revoke"),
    ("POST", "/rotate"),
    ("DELETE", ""),
]


def assert_problem(reply: Reply, status: int, slug: str, pointer: str | None = None) -> dict[str, Any]:
    assert reply.status == status, reply.text
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.header("X-Request-Id")
    body = reply.body
    assert body["type"] == PROBLEM_TYPE + slug
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["request_id"] == reply.header("X-Request-Id")
    assert body["instance"] == body["instance"].split("?")[0] and body["instance"].startswith("/v1/")
    if pointer is not None:
        assert pointer in [e["pointer"] for e in body["errors"]], body
    return dict(body)


@pytest.fixture
def alice(api: Api) -> str:
    return api.session("alice", "acme")


@pytest.fixture
def key(api: Api, alice: str) -> dict[str, Any]:
    reply = api.request("POST", "/v1/api-keys", token=alice, json_body={"name": "target"})
    assert reply.status == 201
    return dict(reply.body)


def unchanged(api: Api, key: dict[str, Any]) -> None:
    item = api.parts.store.get_raw(key["id"])
    assert item is not None
    assert item["version"] == {"N": "1"}
    assert item["name"] == {"S": "target"}


def send(api: Api, token: str, method: str, path: str, body: str | None, **headers: str) -> Reply:
    all_headers = {"content-type": "application/json", **headers} if body is not None else headers
    return api.request(method, path, token=token, body=body, headers=all_headers)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, ""),
        ({"nam": "x"}, "/nam"),
        ({"name": "x", "status": "active"}, "/status"),
        ({"name": "x", "expires_in_seconds": 60}, "/expires_in_seconds"),
        ({"name": "x", "service_account_id": "sa"}, "/service_account_id"),
        ({"name": "x", "environment_id": "env"}, "/environment_id"),
        ({"name": None}, "/name"),
        ({"name": ""}, "/name"),
        ({"name": "   "}, "/name"),
        ({"name": "x" * 101}, "/name"),
        ({"name": 42}, "/name"),
        ({"name": "bell\u0007"}, "/name"),
        ({"name": "bidi\u202etxt"}, "/name"),
        ({"description": "d" * 501}, "/description"),
        ({"description": 5}, "/description"),
        ({"description": "nul\u0000"}, "/description"),
        ({"scopes": None}, "/scopes"),
        ({"scopes": ["read", "read"]}, "/scopes"),
        ({"scopes": ["read", "admin"]}, "/scopes/1"),
        ({"scopes": "read"}, "/scopes"),
        ({"scopes": [1]}, "/scopes/0"),
        ({"expires_at": PAST}, "/expires_at"),
        ({"expires_at": "2026-02-30T10:00:00Z"}, "/expires_at"),
        ({"expires_at": "next week"}, "/expires_at"),
        ({"expires_at": 1795341600}, "/expires_at"),
        ({"expires_at": clock.rfc3339(time.time() + 101 * 365 * 86_400)}, "/expires_at"),
        ({"metadata": None}, "/metadata"),
        ({"metadata": {f"k{i}": "v" for i in range(21)}}, "/metadata"),
        ({"metadata": {"k" * 41: "v"}}, "/metadata"),
        ({"metadata": {"k": "v" * 257}}, "/metadata"),
        ({"metadata": {"k": 1}}, "/metadata/k"),
        ({"metadata": ["k"]}, "/metadata"),
    ],
)
def test_patch_field_rules_answer_422_with_a_pointer(
    api: Api, alice: str, key: dict[str, Any], body: dict[str, Any], pointer: str
) -> None:
    reply = send(api, alice, "PATCH", f"/v1/api-keys/{key['id']}", json.dumps(body))
    assert_problem(reply, 422, "validation-error", pointer)
    unchanged(api, key)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"grace_period_seconds": -1}, "/grace_period_seconds"),
        ({"grace_period_seconds": 604_801}, "/grace_period_seconds"),
        ({"grace_period_seconds": "60"}, "/grace_period_seconds"),
        ({"grace_period_seconds": 1.5}, "/grace_period_seconds"),
        ({"grace_period_seconds": True}, "/grace_period_seconds"),
        ({"grace_period_seconds": None}, "/grace_period_seconds"),
        ({"grace": 60}, "/grace"),
    ],
)
def test_rotate_body_rules_answer_422_with_a_pointer(
    api: Api, alice: str, key: dict[str, Any], body: dict[str, Any], pointer: str
) -> None:
    reply = send(api, alice, "POST", f"/v1/api-keys/{key['id']}/rotate", json.dumps(body))
    assert_problem(reply, 422, "validation-error", pointer)
    unchanged(api, key)
    assert len(api.request("GET", "/v1/api-keys", token=alice).body["items"]) == 1


def test_the_longest_grace_is_accepted(api: Api, alice: str, key: dict[str, Any]) -> None:
    reply = send(api, alice, "POST", f"/v1/api-keys/{key['id']}/rotate", '{"grace_period_seconds": 604800}')
    assert reply.status == 201, reply.text


@pytest.mark.parametrize("body", ["not json", '{"name": "x"', "[]", '"text"', "null", "42", '{"name": NaN}'])
@pytest.mark.parametrize("route", ["PATCH", "rotate"])
def test_bodies_that_are_not_a_json_object_are_400(
    api: Api, alice: str, key: dict[str, Any], body: str, route: str
) -> None:
    method, path = ("PATCH", f"/v1/api-keys/{key['id']}")
    if route == "rotate":
        method, path = ("POST", f"/v1/api-keys/{key['id']}/rotate")
    assert_problem(send(api, alice, method, path, body), 400, "malformed-request")
    unchanged(api, key)


def test_an_empty_patch_body_is_400_or_415(api: Api, alice: str, key: dict[str, Any]) -> None:
    path = f"/v1/api-keys/{key['id']}"
    assert_problem(send(api, alice, "PATCH", path, ""), 400, "malformed-request")
    assert_problem(api.request("PATCH", path, token=alice), 415, "unsupported-media-type")
    unchanged(api, key)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("route", ["PATCH", "rotate"])
def test_a_body_without_json_content_type_is_415(
    api: Api, alice: str, key: dict[str, Any], content_type: str | None, route: str
) -> None:
    method, path = ("PATCH", f"/v1/api-keys/{key['id']}")
    body = '{"name": "x"}'
    if route == "rotate":
        method, path, body = ("POST", f"/v1/api-keys/{key['id']}/rotate", '{"grace_period_seconds": 1}')
    headers = {"content-type": content_type} if content_type else {}
    reply = api.request(method, path, token=alice, body=body, headers=headers)
    assert_problem(reply, 415, "unsupported-media-type")
    unchanged(api, key)


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
def test_bodies_over_16_kib_are_413_on_every_route(
    api: Api, alice: str, key: dict[str, Any], method: str, suffix: str
) -> None:
    body = '{"name": "' + "x" * (16 * 1024) + '"}'
    reply = send(api, alice, method, f"/v1/api-keys/{key['id']}{suffix}", body)
    assert_problem(reply, 413, "payload-too-large")
    unchanged(api, key)


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer ks_short", "Bearer a.b.c"]
)
def test_missing_or_bad_credentials_are_401_on_every_route(
    api: Api, key: dict[str, Any], method: str, suffix: str, authorization: str | None
) -> None:
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    body = '{"name": "x"}' if method == "PATCH" else None
    reply = api.request(method, f"/v1/api-keys/{key['id']}{suffix}", body=body, headers=headers)
    assert_problem(reply, 401, "unauthenticated")
    assert (reply.header("WWW-Authenticate") or "").startswith("Bearer")
    unchanged(api, key)


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
@pytest.mark.parametrize(
    "key_id", [UNKNOWN_ID, "not-a-uuid", "3C90C3CC-0D44-8B50-A888-8DD25736052A", "..%2F.."]
)
def test_unknown_or_malformed_ids_are_404(
    api: Api, alice: str, method: str, suffix: str, key_id: str
) -> None:
    body = '{"name": "x"}' if method == "PATCH" else None
    reply = send(api, alice, method, f"/v1/api-keys/{key_id}{suffix}", body)
    assert_problem(reply, 404, "not-found")


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
def test_a_revoked_or_absent_credential_key_is_401_even_for_itself(
    api: Api, alice: str, method: str, suffix: str
) -> None:
    admin = api.session("root", "acme", ["admin"])
    made = api.request(
        "POST",
        "/v1/api-keys",
        token=admin,
        json_body={"name": "sa", "service_account_id": "sa_ci", "scopes": ["read", "write"]},
    ).body
    assert api.request("POST", f"/v1/api-keys/{made['id']}/revoke", token=admin).status == 200
    body = '{"name": "x"}' if method == "PATCH" else None
    reply = send(api, made["key"], method, f"/v1/api-keys/{made['id']}{suffix}", body)
    assert_problem(reply, 401, "unauthenticated")
    assert "revoked" in reply.body["detail"]


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
def test_a_key_without_write_is_403_on_every_change(
    api: Api, alice: str, key: dict[str, Any], method: str, suffix: str
) -> None:
    reader = api.request(
        "POST", "/v1/api-keys", token=alice, json_body={"name": "reader", "scopes": ["read"]}
    ).body["key"]
    body = '{"name": "x"}' if method == "PATCH" else None
    reply = send(api, reader, method, f"/v1/api-keys/{key['id']}{suffix}", body)
    assert_problem(reply, 403, "forbidden")
    assert "'write'" in reply.body["detail"]
    unchanged(api, key)


def test_patch_scopes_beyond_the_callers_are_403(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    create = {"name": "target", "service_account_id": "sa_ci", "scopes": ["write"]}
    writer = api.request("POST", "/v1/api-keys", token=admin, json_body={**create, "name": "writer"}).body
    target = api.request("POST", "/v1/api-keys", token=admin, json_body=create).body
    reply = send(api, writer["key"], "PATCH", f"/v1/api-keys/{target['id']}", '{"scopes": ["read", "write"]}')
    body = assert_problem(reply, 403, "forbidden")
    assert "read" in body["detail"]
    unchanged(api, target)
    ok = send(api, writer["key"], "PATCH", f"/v1/api-keys/{target['id']}", '{"scopes": ["write"]}')
    assert ok.status == 200


def test_rotating_a_key_with_scopes_beyond_the_callers_is_403(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    writer = api.request(
        "POST",
        "/v1/api-keys",
        token=admin,
        json_body={"name": "w", "service_account_id": "sa_ci", "scopes": ["write"]},
    ).body
    target = api.request(
        "POST",
        "/v1/api-keys",
        token=admin,
        json_body={"name": "target", "service_account_id": "sa_ci", "scopes": ["read", "write"]},
    ).body
    reply = send(api, writer["key"], "POST", f"/v1/api-keys/{target['id']}/rotate", None)
    assert_problem(reply, 403, "forbidden")
    unchanged(api, target)


@pytest.mark.parametrize(
    ("method", "suffix", "allow"),
    [
        ("PUT", "", "DELETE, GET, PATCH"),
        ("POST", "", "DELETE, GET, PATCH"),
        ("GET", "/suspend", "POST"),
        ("DELETE", "/rotate", "POST"),
        ("PATCH", "/revoke", "POST"),
    ],
)
def test_wrong_methods_are_405_with_allow(
    api: Api, alice: str, key: dict[str, Any], method: str, suffix: str, allow: str
) -> None:
    reply = api.request(method, f"/v1/api-keys/{key['id']}{suffix}", token=alice)
    assert_problem(reply, 405, "method-not-allowed")
    assert reply.header("Allow") == allow
    unchanged(api, key)


def test_unknown_actions_are_404(api: Api, alice: str, key: dict[str, Any]) -> None:
    for action in ("restore", "unrevoke", "expire"):
        reply = api.request("POST", f"/v1/api-keys/{key['id']}/{action}", token=alice)
        assert_problem(reply, 404, "not-found")
    unchanged(api, key)


@pytest.mark.parametrize("suffix", ["/suspend", "/activate", "/revoke"])
def test_bodyless_actions_ignore_a_small_body(api: Api, alice: str, key: dict[str, Any], suffix: str) -> None:
    if suffix == "/activate":
        api.request("POST", f"/v1/api-keys/{key['id']}/suspend", token=alice)
    reply = api.request("POST", f"/v1/api-keys/{key['id']}{suffix}", token=alice, body="whatever")
    assert reply.status == 200, reply.text
