"""PATCH /v1/api-keys/{id} answers 403 for scopes beyond the caller's."""

from __future__ import annotations

from tests.support.client import Client as Api
from tests.support.problems import assert_problem
from tests.support.targets import send, unchanged


def test_patch_scopes_beyond_the_callers_are_403(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    create = {"name": "target", "service_account_id": "sa_ci", "scopes": ["write"]}
    writer = api.request(
        "POST",
        "/v1/api-keys",
        token=admin,
        json_body={**create, "name": "writer", "scopes": ["write", "keys:write"]},
    ).body
    target = api.request("POST", "/v1/api-keys", token=admin, json_body=create).body
    reply = send(api, writer["key"], "PATCH", f"/v1/api-keys/{target['id']}", '{"scopes": ["read", "write"]}')
    body = assert_problem(reply, 403, "forbidden")
    assert "read" in body["detail"]
    unchanged(api, target)
    ok = send(api, writer["key"], "PATCH", f"/v1/api-keys/{target['id']}", '{"scopes": ["write"]}')
    assert ok.status == 200
