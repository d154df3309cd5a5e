"""POST /v1/api-keys/{id}/rotate answers 403 for a key with scopes beyond the caller's."""

from __future__ import annotations

from tests.support.client import Client as Api
from tests.support.problems import assert_problem
from tests.support.targets import send, unchanged


def test_rotating_a_key_with_scopes_beyond_the_callers_is_403(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    writer = api.created_key(admin, "w", service_account_id="sa_ci", scopes=["write"])
    target = api.created_key(admin, "target", service_account_id="sa_ci", scopes=["read", "write"])
    reply = send(api, writer["key"], "POST", f"/v1/api-keys/{target['id']}/rotate", None)
    assert_problem(reply, 403, "forbidden")
    unchanged(api, target)
