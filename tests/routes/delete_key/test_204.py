"""DELETE /v1/api-keys/{id} answers 204; the key is then not found on every route."""

from __future__ import annotations

from tests.support.client import Client as Api
from tests.support.problems import PROBLEM_TYPE

ACTIONS = ("suspend", "activate", "revoke", "rotate", "delete")


def test_a_revoked_key_is_deleted_and_then_not_found(api: Api) -> None:
    token = api.session("alice", "acme")
    key = api.created_key(token)
    api.act(token, key["id"], "revoke")
    assert api.act(token, key["id"], "delete").status == 204
    for action in ACTIONS:
        reply = api.act(token, key["id"], action)
        assert reply.status == 404, (action, reply.text)
        assert reply.body["type"] == PROBLEM_TYPE + "not-found"
    assert api.update_key(token, key["id"], {"name": "x"}).status == 404
