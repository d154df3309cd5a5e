"""The refusals of the status machine through the API: each row is a status (reached by ``setup``)
and an action it does not allow, with the words the 409 must name. Each route's test_409.py runs its
own rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.client import Client
from tests.support.problems import assert_conflict

REFUSALS: list[tuple[list[str], str, tuple[str, ...]]] = [
    ([], "activate", ("The key is active", "activate is available only for suspended keys")),
    ([], "delete", ("The key is active", "delete is available only for suspended, revoked or expired")),
    (["suspend"], "suspend", ("The key is suspended", "suspend is available only for active keys")),
    (["suspend"], "rotate", ("The key is suspended", "rotate is available only for active keys")),
    (
        ["revoke"],
        "revoke",
        ("The key is revoked; revoke is available only for active or suspended keys.",),
    ),
    (["revoke"], "suspend", ("The key is revoked",)),
    (["revoke"], "activate", ("The key is revoked",)),
    (["revoke"], "rotate", ("The key is revoked",)),
    (["suspend", "revoke"], "activate", ("The key is revoked",)),
]


def rows(action: str) -> list[tuple[list[str], tuple[str, ...]]]:
    return [(setup, words) for setup, row_action, words in REFUSALS if row_action == action]


def assert_refused(api: Client, setup: list[str], action: str, words: tuple[str, ...]) -> None:
    """``action`` on a key in the status ``setup`` reaches is a 409 naming ``words`` that changes
    nothing (not even the version), and the key's available_actions says so."""
    token = api.session("alice", "acme")
    key = api.created_key(token)
    for step in setup:
        assert api.act(token, key["id"], step).status == 200
    before = api.stored(key["id"])
    reply = api.act(token, key["id"], action)
    assert_conflict(reply, *words)
    assert api.stored(key["id"]) == before  # a refusal changes nothing, not even the version
    current = api.get_key(token, key["id"]).body
    assert current["available_actions"][action] is False


def refused(action: str) -> Callable[..., None]:
    """The test of one route's refusals: each of its rows is a 409 that changes nothing."""

    @pytest.mark.parametrize(("setup", "words"), rows(action))
    def test(api: Client, setup: list[str], words: tuple[str, ...]) -> None:
        assert_refused(api, setup, action, words)

    return test
