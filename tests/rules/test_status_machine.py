"""The status machine through the API: available_actions says exactly what the API accepts, and a
key past its expiry refuses all but delete."""

from __future__ import annotations

import time

from tests.support.client import Client as Api
from tests.support.client import actions_of, frozen
from tests.support.problems import assert_conflict

ACTIONS = ("suspend", "activate", "revoke", "rotate", "delete")


def test_available_actions_match_what_the_api_accepts(api: Api) -> None:
    """For each status, every action listed as available succeeds and every other one is 409."""
    token = api.session("alice", "acme")
    for setup in ([], ["suspend"], ["revoke"], ["suspend", "revoke"]):
        for action in ACTIONS:
            key = api.created_key(token)
            for step in setup:
                api.act(token, key["id"], step)
            allowed = api.get_key(token, key["id"]).body["available_actions"][action]
            reply = api.act(token, key["id"], action)
            if allowed:
                assert reply.status in (200, 201, 204), (setup, action, reply.text)
            else:
                assert_conflict(reply)


def test_a_key_past_its_expiry_reads_expired_and_refuses_all_but_delete(api: Api) -> None:
    token = api.session("alice", "acme")
    key = api.created_key(token, expires_in_seconds=3600)
    suspended = api.created_key(token, name="suspended", expires_in_seconds=3600)
    api.act(token, suspended["id"], "suspend")
    frozen(time.time() + 7200)  # records store epoch seconds; the clock says later
    for item in (key, suspended):
        body = api.get_key(token, item["id"]).body
        assert body["status"] == "expired"
        assert actions_of(body) == {"delete"}
        for action in ("suspend", "activate", "revoke", "rotate"):
            assert_conflict(api.act(token, item["id"], action), "The key is expired")
        assert_conflict(api.update_key(token, item["id"], {"name": "x"}), "The key is expired")
        assert api.act(token, item["id"], "delete").status == 204
