"""POST /v1/api-keys/{id}/revoke answers 200: from suspended, early in a rotation's grace, and a
revoked key never comes back."""

from __future__ import annotations

import time

from keysmith import clock
from tests.support.client import Client as Api
from tests.support.problems import assert_conflict

DAY = 86_400


def test_a_suspended_key_can_be_revoked_and_deleted(api: Api) -> None:
    token = api.session("alice", "acme")
    key = api.created_key(token)
    assert api.act(token, key["id"], "suspend").status == 200
    assert api.act(token, key["id"], "revoke").body["status"] == "revoked"
    key2 = api.created_key(token, name="two")
    assert api.act(token, key2["id"], "suspend").status == 200
    deleted = api.act(token, key2["id"], "delete")
    assert deleted.status == 204
    assert deleted.text == ""
    assert deleted.header("X-Request-Id")
    assert api.parts.store.get_raw(key2["id"]) is None
    assert api.get_key(token, key2["id"]).status == 404


def test_a_revoked_key_never_comes_back(api: Api) -> None:
    token = api.session("alice", "acme")
    key = api.created_key(token)
    api.act(token, key["id"], "revoke")
    for action in ("activate", "suspend", "revoke", "rotate"):
        assert_conflict(api.act(token, key["id"], action), "revoked")
    assert_conflict(
        api.update_key(token, key["id"], {"expires_at": clock.rfc3339(time.time() + DAY)}), "revoked"
    )
    body = api.get_key(token, key["id"]).body
    assert body["status"] == "revoked"
    assert api.stored(key["id"])["version"] == {"N": "2"}


def test_the_old_key_in_grace_can_still_be_revoked_early(api: Api) -> None:
    token = api.session("alice", "acme")
    old = api.created_key(token)
    api.act(token, old["id"], "rotate", {"grace_period_seconds": 3600})
    revoked = api.act(token, old["id"], "revoke")
    assert revoked.status == 200
    assert revoked.body["status"] == "revoked"
