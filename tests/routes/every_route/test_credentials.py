"""Every key route answers 401 for missing, bad, revoked or absent credentials (even a key acting
on itself) and 403 for a key without write."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import Client as Api
from tests.support.problems import assert_problem
from tests.support.targets import ROUTES, send, unchanged


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
def test_a_revoked_or_absent_credential_key_is_401_even_for_itself(
    api: Api, alice: str, method: str, suffix: str
) -> None:
    admin = api.session("root", "acme", ["admin"])
    made = api.created_key(admin, "sa", service_account_id="sa_ci", scopes=["read", "write"])
    assert api.request("POST", f"/v1/api-keys/{made['id']}/revoke", token=admin).status == 200
    body = '{"name": "x"}' if method == "PATCH" else None
    reply = send(api, made["key"], method, f"/v1/api-keys/{made['id']}{suffix}", body)
    assert_problem(reply, 401, "unauthenticated")
    assert "revoked" in reply.body["detail"]


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
def test_a_key_without_keys_write_is_403_on_every_change(
    api: Api, alice: str, key: dict[str, Any], method: str, suffix: str
) -> None:
    reader = api.request(
        "POST",
        "/v1/api-keys",
        token=alice,
        json_body={"name": "reader", "scopes": ["read", "write", "keys:read"]},
    ).body["key"]
    body = '{"name": "x"}' if method == "PATCH" else None
    reply = send(api, reader, method, f"/v1/api-keys/{key['id']}{suffix}", body)
    assert_problem(reply, 403, "forbidden")
    assert "'keys:write'" in reply.body["detail"]
    unchanged(api, key)
