"""The one status-machine table and what derives from it: available_actions, the 409 wording, and
the store's write conditions (rendered by keysmith.store.conditions)."""

from __future__ import annotations

from typing import Any

import pytest

from keysmith.domain import status_machine
from keysmith.domain.api_key import KeyRecord
from keysmith.domain.ports import Change
from keysmith.domain.principals import SESSION, USER, Principal
from keysmith.domain.status_machine import (
    ACTIVATE,
    ACTIVE,
    CHANGE,
    DELETE,
    EXPIRED,
    REVOKE,
    REVOKED,
    ROTATE,
    STATUSES,
    SUSPEND,
    SUSPENDED,
    Action,
)
from keysmith.store.conditions import LIVE, status_condition
from keysmith.store.items import to_item
from keysmith.store.keys import KeyStore
from tests.support.fakes import alices_key

NOW = 1_800_000_000.0
ALICE = Principal(kind=SESSION, tenant_id="acme", owner_type=USER, owner_id="alice")


@pytest.mark.parametrize(
    ("action", "condition"),
    [
        (SUSPEND, f"#status = :active AND {LIVE}"),
        (ACTIVATE, f"#status = :suspended AND {LIVE}"),
        (REVOKE, f"#status IN (:active, :suspended) AND {LIVE}"),
        (ROTATE, f"#status = :active AND {LIVE} AND attribute_not_exists(rotated_to)"),
        (DELETE, "#status IN (:suspended, :revoked) OR expires_at <= :now"),
        (CHANGE, f"#status IN (:active, :suspended) AND {LIVE}"),
    ],
)
def test_each_row_renders_the_condition_the_store_writes(action: Action, condition: str) -> None:
    assert status_condition(action) == condition


def evaluate(condition: str, stored: str, expires_at: float | None, rotated: bool) -> bool:
    """The rendered condition evaluated in Python on one item, by DynamoDB's reading of it."""
    text = condition.replace("attribute_not_exists(rotated_to)", str(not rotated))
    text = text.replace("attribute_not_exists(expires_at)", str(expires_at is None))
    values = {":active": ACTIVE, ":suspended": SUSPENDED, ":revoked": REVOKED}
    for name, value in values.items():
        text = text.replace(name, repr(value))
    text = text.replace("#status <>", "status !=").replace("#status =", "status ==")
    text = text.replace("#status IN", "status in").replace("AND", "and").replace("OR", "or")
    # a comparison with an absent attribute is false in DynamoDB
    text = text.replace("expires_at <= :now", str(expires_at is not None and expires_at <= NOW))
    text = text.replace("expires_at > :now", str(expires_at is not None and expires_at > NOW))
    return bool(eval(text, {"status": stored}))  # noqa: S307 - our own rendered text, in a test


@pytest.mark.parametrize("action", [SUSPEND, ACTIVATE, REVOKE, ROTATE, DELETE, CHANGE])
@pytest.mark.parametrize("stored", [ACTIVE, SUSPENDED, REVOKED])
@pytest.mark.parametrize("expires_at", [None, NOW - 1, NOW, NOW + 60])
@pytest.mark.parametrize("rotated", [False, True])
def test_the_rendered_condition_holds_exactly_when_the_table_allows_the_action(
    action: Action, stored: str, expires_at: float | None, rotated: bool
) -> None:
    status = status_machine.effective_status(stored, expires_at, NOW)
    assert evaluate(status_condition(action), stored, expires_at, rotated) == action.allows(status, rotated)


def test_available_actions_are_the_listed_rows() -> None:
    assert status_machine.available_actions(ACTIVE, False) == {
        "suspend": True,
        "activate": False,
        "revoke": True,
        "rotate": True,
        "delete": False,
    }
    assert status_machine.available_actions(ACTIVE, True)["rotate"] is False
    assert status_machine.available_actions(EXPIRED, False) == {
        "suspend": False,
        "activate": False,
        "revoke": False,
        "rotate": False,
        "delete": True,
    }
    assert set(STATUSES) == {ACTIVE, SUSPENDED, REVOKED, EXPIRED}


@pytest.mark.parametrize(
    ("action", "status", "words"),
    [
        (SUSPEND, REVOKED, "The key is revoked; suspend is available only for active keys."),
        (ACTIVATE, ACTIVE, "The key is active; activate is available only for suspended keys."),
        (REVOKE, EXPIRED, "The key is expired; revoke is available only for active or suspended keys."),
        (
            ROTATE,
            SUSPENDED,
            "The key is suspended; rotate is available only for active keys without a successor.",
        ),
        (
            DELETE,
            ACTIVE,
            "The key is active; delete is available only for suspended, revoked or expired keys.",
        ),
        (CHANGE, REVOKED, "The key is revoked; only active or suspended keys can be changed."),
    ],
)
def test_the_409_wording_comes_from_the_table(action: Action, status: str, words: str) -> None:
    assert action.refusal(status) == words


def record(**changes: Any) -> KeyRecord:
    return alices_key(NOW - 60, **changes)


class RecordingClient:
    """Stands in for the DynamoDB client: keeps what the store sends."""

    def __init__(self) -> None:
        self.sent: list[list[dict[str, Any]]] = []

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        self.sent.append(TransactItems)
        return {}


def test_a_rotation_is_one_transaction_that_asks_for_the_old_item_on_a_failed_condition() -> None:
    client = RecordingClient()
    successor = record(rotated_from="old")
    change = Change(ALICE, ROTATE, NOW, {"rotated_to": successor.id, "status": REVOKED}, read_version=3)
    KeyStore(client, "keys").rotate(successor, "3c90c3cc-0d44-8b50-a888-8dd25736052b", change)
    ((put, update),) = client.sent
    assert put["Put"]["Item"] == to_item(successor)
    assert put["Put"]["ConditionExpression"] == "attribute_not_exists(id)"
    assert update["Update"]["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert "(#version = :read_version)" in update["Update"]["ConditionExpression"]
    assert "attribute_not_exists(rotated_to)" in update["Update"]["ConditionExpression"]
    assert update["Update"]["ExpressionAttributeValues"][":read_version"] == {"N": "3"}
