"""Every request a client can get wrong on create, get and list: status, slug and pointer."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keysmith import clock
from tests.helpers import Api, Reply

PROBLEM_TYPE = "urn:keysmith:problem:"


def assert_problem(reply: Reply, status: int, slug: str, pointer: str | None = None) -> dict[str, Any]:
    assert reply.status == status, reply.text
    assert reply.header("Content-Type") == "application/problem+json"
    body = reply.body
    assert body["type"] == PROBLEM_TYPE + slug
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["request_id"] == reply.header("X-Request-Id")
    assert body["instance"].startswith("/")
    if pointer is not None:
        assert pointer in [e["pointer"] for e in body["errors"]], body
    return body


def post(
    api: Api, body: str | None, headers: dict[str, str] | None = None, token: str | None = None
) -> Reply:
    all_headers = {"content-type": "application/json", **(headers or {})}
    return api.request(
        "POST", "/v1/api-keys", token=token or api.session("u", "acme"), body=body, headers=all_headers
    )


FUTURE = clock.rfc3339(time.time() + 86_400)
PAST = clock.rfc3339(time.time() - 60)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/name"),
        ({"name": ""}, "/name"),
        ({"name": "   "}, "/name"),
        ({"name": "x" * 101}, "/name"),
        ({"name": 42}, "/name"),
        ({"name": "bell\u0007"}, "/name"),
        ({"name": "bidi\u202etxt"}, "/name"),
        ({"name": "zero\u200bwidth"}, "/name"),
        ({"name": "ok", "description": "d" * 501}, "/description"),
        ({"name": "ok", "scopes": ["read", "read"]}, "/scopes"),
        ({"name": "ok", "scopes": ["read", "admin"]}, "/scopes/1"),
        ({"name": "ok", "scopes": "read"}, "/scopes"),
        ({"name": "ok", "scopes": [1]}, "/scopes/0"),
        ({"name": "ok", "expires_at": PAST}, "/expires_at"),
        ({"name": "ok", "expires_at": "2026-02-30T10:00:00Z"}, "/expires_at"),
        ({"name": "ok", "expires_at": "next week"}, "/expires_at"),
        ({"name": "ok", "expires_at": 1795341600}, "/expires_at"),
        ({"name": "ok", "expires_in_seconds": 0}, "/expires_in_seconds"),
        ({"name": "ok", "expires_in_seconds": "60"}, "/expires_in_seconds"),
        ({"name": "ok", "expires_in_seconds": 1.5}, "/expires_in_seconds"),
        ({"name": "ok", "expires_in_seconds": True}, "/expires_in_seconds"),
        ({"name": "ok", "expires_in_seconds": 10**12}, "/expires_in_seconds"),
        ({"name": "ok", "expires_at": FUTURE, "expires_in_seconds": 60}, "/expires_in_seconds"),
        ({"name": "ok", "metadata": {f"k{i}": "v" for i in range(21)}}, "/metadata"),
        ({"name": "ok", "metadata": {"k" * 41: "v"}}, "/metadata"),
        ({"name": "ok", "metadata": {"k": "v" * 257}}, "/metadata"),
        ({"name": "ok", "metadata": {"k": 1}}, "/metadata/k"),
        ({"name": "ok", "metadata": ["k"]}, "/metadata"),
        ({"name": "ok", "service_account_id": "sa#1"}, "/service_account_id"),
        ({"name": "ok", "environment_id": "env prod"}, "/environment_id"),
        ({"name": "ok", "owner": "someone"}, "/owner"),
    ],
)
def test_field_rules_answer_422_with_a_pointer(api: Api, body: dict[str, Any], pointer: str) -> None:
    import json

    assert_problem(post(api, json.dumps(body)), 422, "validation-error", pointer)
    admin = api.session("root", "acme", ["admin"])
    assert api.request("GET", "/v1/api-keys", token=admin).body["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        '{"name": "x"',
        "[]",
        '"a string"',
        "null",
        "42",
        '{"name": NaN}',
        "[" * 100 + "]" * 100,
    ],
)
def test_bodies_that_are_not_a_json_object_are_400(api: Api, body: str) -> None:
    assert_problem(post(api, body), 400, "malformed-request")


def test_deep_nesting_is_400(api: Api) -> None:
    body = '{"name": "x", "metadata": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}"
    assert_problem(post(api, body), 400, "malformed-request")


def test_non_utf8_is_400(api: Api) -> None:
    reply = api.request(
        "POST",
        "/v1/api-keys",
        token=api.session("u", "acme"),
        raw_body=b'{"name": "\xff\xfe"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(reply, 400, "malformed-request")
    utf8 = api.request(
        "POST",
        "/v1/api-keys",
        token=api.session("u", "acme"),
        raw_body='{"name": "caf\u00e9"}'.encode(),
        headers={"content-type": "application/json"},
    )
    assert utf8.status == 201 and utf8.body["name"] == "caf\u00e9"


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx"]
)
def test_create_without_json_content_type_is_415(api: Api, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    reply = api.request(
        "POST", "/v1/api-keys", token=api.session("u", "acme"), body='{"name": "x"}', headers=headers
    )
    assert_problem(reply, 415, "unsupported-media-type")


def test_json_with_a_charset_is_accepted(api: Api) -> None:
    reply = post(api, '{"name": "x"}', {"content-type": "application/json; charset=utf-8"})
    assert reply.status == 201


def test_bodies_over_16_kib_are_413(api: Api) -> None:
    filler = "x" * (16 * 1024)
    assert_problem(post(api, '{"name": "' + filler + '"}'), 413, "payload-too-large")


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a b", "Bearer ks_short", "Token x.y.z"],
)
def test_missing_or_malformed_credentials_are_401(api: Api, authorization: str | None) -> None:
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    reply = api.request("POST", "/v1/api-keys", body='{"name": "x"}', headers=headers)
    assert_problem(reply, 401, "unauthenticated")
    assert (reply.header("WWW-Authenticate") or "").startswith("Bearer")
    for path in ("/v1/api-keys", "/v1/api-keys/00000000-0000-8000-8000-000000000000"):
        got = api.request("GET", path, headers={"authorization": authorization} if authorization else {})
        assert_problem(got, 401, "unauthenticated")


def test_a_checksum_typo_in_a_key_is_401_without_a_lookup(api: Api) -> None:
    token = api.session("u", "acme")
    key = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "k"}).body["key"]
    typo = key[:-1] + ("A" if key[-1] != "A" else "B")
    reply = api.request("GET", "/v1/api-keys", token=typo)
    assert_problem(reply, 401, "unauthenticated")
    assert "malformed" in reply.body["detail"]


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ({"limit": "0"}, "/limit"),
        ({"limit": "101"}, "/limit"),
        ({"limit": "ten"}, "/limit"),
        ({"limit": "1,2"}, "/limit"),
        ({"status": "deleted"}, "/status"),
        ({"owner_type": "robot"}, "/owner_type"),
        ({"owner_id": "a#b"}, "/owner_id"),
        ({"cursor": "not-a-cursor"}, "/cursor"),
        ({"cursor": "eyJpZCI6IngifQ"}, "/cursor"),
    ],
)
def test_bad_list_queries_are_400_with_a_pointer(api: Api, query: dict[str, str], pointer: str) -> None:
    reply = api.request("GET", "/v1/api-keys", token=api.session("u", "acme"), query=query)
    assert_problem(reply, 400, "malformed-request", pointer)


def test_unknown_paths_are_404_and_wrong_methods_405(api: Api) -> None:
    assert_problem(api.request("GET", "/v2/nothing"), 404, "not-found")
    reply = api.request("PUT", "/v1/api-keys")
    assert_problem(reply, 405, "method-not-allowed")
    assert reply.header("Allow") == "GET, POST"


def test_the_deploy_maximum_lifetime_applies(make_api: Any) -> None:
    api = make_api(max_key_lifetime_days=30)
    token = api.session("u", "acme")
    before = time.time()
    created = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "k"}).body
    expires = clock.parse_rfc3339(created["expires_at"])
    assert before + 30 * 86_400 - 2 <= expires <= time.time() + 30 * 86_400
    too_long = api.request(
        "POST", "/v1/api-keys", token=token, json_body={"name": "k", "expires_in_seconds": 31 * 86_400}
    )
    assert_problem(too_long, 422, "validation-error", "/expires_in_seconds")
    far = clock.rfc3339(time.time() + 31 * 86_400)
    assert_problem(
        api.request("POST", "/v1/api-keys", token=token, json_body={"name": "k", "expires_at": far}),
        422,
        "validation-error",
        "/expires_at",
    )


def test_an_expiry_is_kept_and_read_back(api: Api) -> None:
    token = api.session("u", "acme")
    created = api.request(
        "POST", "/v1/api-keys", token=token, json_body={"name": "k", "expires_in_seconds": 3600}
    ).body
    assert created["expires_at"] is not None
    assert created["status"] == "active"
