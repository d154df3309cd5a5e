"""PATCH /v1/api-keys/{id} on another user's key answers 404 and changes nothing."""

from __future__ import annotations

from tests.support.client import Client as Api
from tests.support.problems import PROBLEM_TYPE


def test_patch_on_another_users_key_is_404_and_changes_nothing(api: Api) -> None:
    alice, bob = api.session("alice", "acme"), api.session("bob", "acme")
    key = api.created_key(alice)
    before = api.stored(key["id"])
    reply = api.update_key(bob, key["id"], {"name": "mine now"})
    assert reply.status == 404
    assert reply.body["type"] == PROBLEM_TYPE + "not-found"
    assert api.stored(key["id"]) == before
