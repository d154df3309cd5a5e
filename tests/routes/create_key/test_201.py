"""POST /v1/api-keys answers 201: the plaintext once with its metadata, charsets, the deploy
maximum lifetime, expiries read back, and a create whose answer was lost and retried."""

from __future__ import annotations

import re
import time
from typing import Any

from keysmith import clock
from keysmith.domain import key_format as tokens
from tests.support.audit import lost_answer
from tests.support.client import Client as Api
from tests.support.client import post_create
from tests.support.problems import assert_problem


def test_create_returns_the_plaintext_once_with_its_metadata(api: Api) -> None:
    token = api.session("u_1", "acme")
    reply = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "  CI deploy  "})
    assert reply.status == 201
    assert reply.header("Cache-Control") == "no-store"
    assert reply.header("X-Request-Id")
    created = reply.body
    key = created["key"]
    assert tokens.is_well_formed(key, "ks")
    assert created["id"] == tokens.key_id(tokens.digest(key))
    assert created["name"] == "CI deploy"
    assert created["prefix"] == key[:7] and created["last_four"] == key[-4:]
    assert created["scopes"] == ["read"]
    assert created["owner"] == {"type": "user", "id": "u_1"}
    assert created["created_by"] == {"type": "user", "id": "u_1"}
    assert created["tenant_id"] == "acme"
    assert created["status"] == "active"
    assert created["available_actions"] == {
        "suspend": True,
        "activate": False,
        "revoke": True,
        "rotate": True,
        "delete": False,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created["created_at"])
    assert created["expires_at"] is None
    fetched = api.request("GET", f"/v1/api-keys/{created['id']}", token=token)
    assert fetched.status == 200
    assert "key" not in fetched.body
    assert {k: v for k, v in created.items() if k != "key"} == fetched.body
    assert key not in fetched.text


def test_a_create_whose_answer_was_lost_and_retried_still_succeeds(api: Api) -> None:
    """DynamoDB applied the create's transaction but its answer was lost; botocore's retry of the
    same request is answered as the success it was, with the plaintext."""
    with lost_answer(api.parts.store.client, "TransactWriteItems") as forced:
        reply = api.request("POST", "/v1/api-keys", token=api.session("u_1", "acme"), json_body={"name": "k"})
    assert forced
    assert reply.status == 201 and reply.body["key"], reply.text
    fetched = api.request("GET", f"/v1/api-keys/{reply.body['id']}", token=api.session("u_1", "acme"))
    assert fetched.status == 200


def test_json_with_a_charset_is_accepted(api: Api) -> None:
    reply = post_create(api, '{"name": "x"}', {"content-type": "application/json; charset=utf-8"})
    assert reply.status == 201


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
