"""keysmith.domain.lifecycle without DynamoDB (the fake store renders what it is asked with the real
store's renderer): the conditions it writes, how it reads a refusal, the
successor's expiry, and the transaction outcomes that are not a failed condition."""

from __future__ import annotations

from typing import Any

import pytest

from keysmith.domain.api_key import ACTIVE, REVOKED, SUSPENDED, KeyRecord
from keysmith.domain.key_changes import KeyChanges
from keysmith.domain.lifecycle import (
    ACTIVATE,
    CHANGE,
    DELETE,
    MAX_GRACE_SECONDS,
    REVOKE,
    ROTATE,
    SUSPEND,
    Lifecycle,
    successor_expiry,
)
from keysmith.domain.ports import ConditionFailed, StoreUnavailable, TransactionCancelled
from keysmith.domain.principals import API_KEY, SERVICE_ACCOUNT, SESSION, USER, Principal
from keysmith.domain.problems import Problem
from keysmith.settings import Settings
from tests.support.fakes import KEY_ID, alices_key
from tests.support.fakes import RecordingStore as FakeStore

NOW = 1_800_000_000.25
DAY = 86_400
ALICE = Principal(kind=SESSION, tenant_id="acme", owner_type=USER, owner_id="alice")
ADMIN = Principal(
    kind=SESSION, tenant_id="acme", owner_type=USER, owner_id="root", roles=frozenset({"admin"})
)


def key_caller(owner_type: str, owner_id: str, scopes: set[str], **more: Any) -> Principal:
    """A caller of acme authenticated by its API key ``k`` with ``scopes``."""
    return Principal(
        kind=API_KEY,
        tenant_id="acme",
        owner_type=owner_type,
        owner_id=owner_id,
        scopes=frozenset(scopes),
        key_id="k",
        **more,
    )


def record(**changes: Any) -> KeyRecord:
    return alices_key(NOW - 10 * DAY, **changes)


def lifecycle(store: FakeStore, **settings: Any) -> Lifecycle:
    return Lifecycle(store, Settings(table_name="keys", **settings), now=lambda: NOW)


# --- conditions ------------------------------------------------------------------------------------


def test_suspend_is_one_update_whose_condition_holds_visibility_status_expiry_and_the_version_read() -> None:
    store = FakeStore(stored=record(version=3))
    after = lifecycle(store).suspend(ALICE, KEY_ID)
    (update,) = store.updates
    assert update["condition"] == (
        "(owner_key = :vis_owner) AND (#status = :active AND "
        "(attribute_not_exists(expires_at) OR expires_at > :now)) AND (#version = :read_version)"
    )
    assert update["values"] == {
        ":vis_owner": {"S": "acme#user#alice"},
        ":active": {"S": "active"},
        ":now": {"N": repr(NOW)},
        ":read_version": {"N": "3"},
    }
    assert update["names"] == {"#status": "status", "#version": "version"}
    assert update["set_values"]["status"] == {"S": "suspended"}
    assert after.status == SUSPENDED and after.version == 4
    ((event,),) = store.events
    assert (event.action, event.key_id, event.actor_type, event.actor_id) == (
        "suspend",
        KEY_ID,
        "user",
        "alice",
    )
    assert event.changes == {
        "status": {"from": "active", "to": "suspended"},
        "suspended_at": {"from": None, "to": "2027-01-15T08:00:00Z"},
    }


def test_an_admin_condition_is_the_tenant_and_an_environment_key_adds_its_environment() -> None:
    store = FakeStore(stored=record())
    lifecycle(store).revoke(ADMIN, KEY_ID)
    assert store.updates[0]["condition"].startswith("(tenant_id = :vis_tenant) AND (#status IN")
    scoped = key_caller(SERVICE_ACCOUNT, "sa", {"write", "keys:write"}, environment_id="env_prod")
    store.stored = record(owner_type=SERVICE_ACCOUNT, owner_id="sa", environment_id="env_prod")
    lifecycle(store).revoke(scoped, KEY_ID)
    assert "environment_id = :vis_env" in store.updates[1]["condition"]
    assert store.updates[1]["values"][":vis_env"] == {"S": "env_prod"}


@pytest.mark.parametrize("rule", [SUSPEND, ACTIVATE, REVOKE, ROTATE, DELETE, CHANGE])
def test_every_rule_refuses_what_available_actions_refuses(rule: Any) -> None:
    """The words of the condition and the representation's available_actions agree on every status."""
    cases = {
        "active": record(),
        "suspended": record(status=SUSPENDED),
        "revoked": record(status=REVOKED),
        "expired": record(expires_at=NOW - 1),
        "suspended and expired": record(status=SUSPENDED, expires_at=NOW - 1),
        "rotated": record(rotated_to="x", expires_at=NOW + 60),
    }
    for name, rec in cases.items():
        allowed = rec.allows(rule, NOW)
        if rule is CHANGE:
            assert allowed == (rec.effective_status(NOW) in (ACTIVE, SUSPENDED)), name
        else:
            assert allowed == rec.available_actions(NOW)[rule.name], name


def test_revoke_sets_the_ttl_to_revocation_plus_retention() -> None:
    store = FakeStore(stored=record())
    lifecycle(store, retention_days=7).revoke(ALICE, KEY_ID)
    sets = store.updates[0]["set_values"]
    assert sets["ttl"] == {"N": str(int(NOW) + 7 * DAY)}
    assert sets["revoked_at"] == {"N": repr(NOW)}


def test_activate_removes_suspended_at() -> None:
    store = FakeStore(stored=record(status=SUSPENDED, suspended_at=NOW - DAY))
    lifecycle(store).activate(ALICE, KEY_ID)
    assert store.updates[0]["remove"] == ("suspended_at",)
    assert store.events[0][0].changes["suspended_at"]["to"] is None


def test_patch_expiry_puts_the_lifetime_bound_in_the_condition() -> None:
    store = FakeStore(stored=record())
    changes = KeyChanges(given=frozenset({"expires_at"}), expires_at=NOW + 5 * DAY + 0.9)
    lifecycle(store, max_key_lifetime_days=30).update(ALICE, KEY_ID, changes)
    update = store.updates[0]
    assert "AND (created_at >= :earliest)" in update["condition"]
    expires = float(int(NOW + 5 * DAY + 0.9))  # truncated to the second
    assert update["values"][":earliest"] == {"N": repr(expires - 30 * DAY)}
    assert update["set_values"]["ttl"] == {"N": str(int(expires) + 30 * DAY)}


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "status", "words"),
    [
        (None, 404, "No such API key"),
        (record(tenant_id="globex"), 404, "No such API key"),
        (record(owner_id="bob"), 404, "No such API key"),
        (record(status=REVOKED), 409, "The key is revoked; suspend is available only for active keys."),
        (record(expires_at=NOW), 409, "The key is expired"),
    ],
)
def test_a_refusal_is_read_from_the_key_as_read_without_a_write(
    old: KeyRecord | None, status: int, words: str
) -> None:
    store = FakeStore(stored=old)
    with pytest.raises(Problem) as refused:
        lifecycle(store).suspend(ALICE, KEY_ID)
    assert refused.value.status == status
    assert words in refused.value.detail
    assert store.updates == [] and store.events == []


@pytest.mark.parametrize(
    ("old", "status", "words"),
    [
        (None, 404, "No such API key"),
        (
            record(status=REVOKED, version=2),
            409,
            "The key is revoked; suspend is available only for active keys.",
        ),
        (record(expires_at=NOW, version=2), 409, "The key is expired"),
    ],
)
def test_a_change_that_lost_a_race_is_judged_against_the_key_as_it_now_is(
    old: KeyRecord | None, status: int, words: str
) -> None:
    """Read active (version 1); the write's condition fails on the key another change made."""
    store = FakeStore(stored=record(), fail_with=ConditionFailed(old))
    with pytest.raises(Problem) as refused:
        lifecycle(store).suspend(ALICE, KEY_ID)
    assert refused.value.status == status
    assert words in refused.value.detail
    assert len(store.updates) == 1


def test_a_change_that_lost_a_race_to_a_change_it_still_allows_is_tried_again() -> None:
    """Read active (version 1); a rename landed first (version 2): the suspend is judged and
    written again against version 2, and its event's changes start from that key."""

    class RenamedFirst(FakeStore):
        def change(self, key_id: str, change: Any) -> KeyRecord:
            if not self.updates:
                self.updates.append({})
                raise ConditionFailed(record(name="renamed", version=2))
            return super().change(key_id, change)

    store = RenamedFirst(stored=record())
    after = lifecycle(store).suspend(ALICE, KEY_ID)
    assert after.version == 3 and after.name == "renamed" and after.status == SUSPENDED
    assert store.updates[1]["values"][":read_version"] == {"N": "2"}
    assert set(store.events[0][0].changes) == {"status", "suspended_at"}


def test_a_failed_condition_the_old_item_does_not_explain_is_a_concurrent_change() -> None:
    store = FakeStore(stored=record(), fail_with=ConditionFailed(record()))
    with pytest.raises(Problem) as refused:
        lifecycle(store).suspend(ALICE, KEY_ID)
    assert refused.value.slug == "conflict"
    assert "changed concurrently" in refused.value.detail


def test_write_scope_and_id_shape_are_checked_before_any_io() -> None:
    store = FakeStore()
    reader = key_caller(USER, "alice", {"read", "keys:read"})
    with pytest.raises(Problem) as refused:
        lifecycle(store).revoke(reader, KEY_ID)
    assert refused.value.slug == "forbidden"
    with pytest.raises(Problem) as missing:
        lifecycle(store).revoke(ALICE, "not-an-id")
    assert missing.value.slug == "not-found"
    assert store.updates == []


# --- rotation ---------------------------------------------------------------------------------------


def test_rotation_is_one_transaction_guarded_by_the_version_read() -> None:
    store = FakeStore(stored=record(version=7))
    new, plaintext = lifecycle(store).rotate(ALICE, KEY_ID, 0)
    (actions,) = store.transactions
    put, update = actions
    assert put == {"Put": new}
    update = update["Update"]
    assert "#version = :read_version" in update["condition"]
    assert "attribute_not_exists(rotated_to)" in update["condition"]
    assert update["values"][":read_version"] == {"N": "7"}
    # that the transaction asks for the old item on a failed condition: test_store_rendering.py
    assert update["set_values"]["rotated_to"] == {"S": new.id}
    assert update["set_values"]["status"] == {"S": "revoked"}
    assert new.rotated_from == KEY_ID and new.version == 1
    assert plaintext.startswith("ks_")


def test_grace_ends_at_the_earlier_of_now_plus_grace_and_the_own_expiry() -> None:
    store = FakeStore(stored=record(expires_at=float(int(NOW) + 100)))
    lifecycle(store).rotate(ALICE, KEY_ID, 3600)
    sets = store.transactions[0][1]["Update"]["set_values"]
    assert sets["expires_at"] == {"N": repr(float(int(NOW) + 100))}
    assert "status" not in sets
    store = FakeStore(stored=record())
    lifecycle(store).rotate(ALICE, KEY_ID, 3600)
    assert store.transactions[0][1]["Update"]["set_values"]["expires_at"] == {
        "N": repr(float(int(NOW) + 3600))
    }


@pytest.mark.parametrize("grace", [-1, MAX_GRACE_SECONDS + 1])
def test_grace_out_of_range_is_422(grace: int) -> None:
    with pytest.raises(Problem) as refused:
        lifecycle(FakeStore(stored=record())).rotate(ALICE, KEY_ID, grace)
    assert refused.value.slug == "validation-error"
    assert refused.value.errors == [{"pointer": "/grace_period_seconds", "detail": refused.value.detail}]


@pytest.mark.parametrize(
    ("reasons", "outcome"),
    [
        ([("None", None), ("ConditionalCheckFailed", record(version=2))], "changed concurrently"),
        (
            [("None", None), ("ConditionalCheckFailed", record(rotated_to="n"))],
            "already been rotated",
        ),
        (
            [("None", None), ("ConditionalCheckFailed", record(status=SUSPENDED))],
            "The key is suspended",
        ),
        ([("None", None), ("ConditionalCheckFailed", None)], "No such API key"),
        ([("ConditionalCheckFailed", None), ("None", None)], RuntimeError),
    ],
)
def test_a_cancelled_rotation_is_read_from_its_reasons(reasons: list[Any], outcome: Any) -> None:
    store = FakeStore(stored=record(), fail_with=TransactionCancelled(reasons))
    if isinstance(outcome, str):
        with pytest.raises(Problem) as refused:
            lifecycle(store).rotate(ALICE, KEY_ID, 0)
        assert outcome in refused.value.detail
    else:
        with pytest.raises(outcome):
            lifecycle(store).rotate(ALICE, KEY_ID, 0)


def test_a_throttled_or_conflicting_rotation_is_unavailable() -> None:
    """KeyStore.transact turns throttling and conflict cancellations into StoreUnavailable (tested
    against real stores in test_store_faults); rotation lets it through to the 503 answer."""
    store = FakeStore(stored=record(), fail_with=StoreUnavailable("transaction throttled or in conflict"))
    with pytest.raises(StoreUnavailable):
        lifecycle(store).rotate(ALICE, KEY_ID, 0)


def test_a_user_owned_api_key_may_not_rotate_even_before_any_read() -> None:
    store = FakeStore(stored=record())
    pat = key_caller(USER, "alice", {"read", "write", "keys:read", "keys:write"})
    with pytest.raises(Problem) as refused:
        lifecycle(store).rotate(pat, KEY_ID, 0)
    assert refused.value.slug == "forbidden"
    assert store.transactions == []


@pytest.mark.parametrize(
    ("old_expiry", "limit", "deploy_maximum", "expected"),
    [
        (None, 100 * 365 * DAY, False, None),
        (None, 30 * DAY, True, int(NOW) + 30 * DAY),
        (int(NOW - 10 * DAY) + 3600, 100 * 365 * DAY, False, int(NOW) + 3600),
        (int(NOW - 10 * DAY) + 60 * DAY, 30 * DAY, True, int(NOW) + 30 * DAY),
    ],
)
def test_successor_expiry(
    old_expiry: int | None, limit: int, deploy_maximum: bool, expected: int | None
) -> None:
    old = record(created_at=NOW - 10 * DAY, expires_at=None if old_expiry is None else float(old_expiry))
    got = successor_expiry(old, NOW, limit, deploy_maximum)
    assert got == (None if expected is None else float(expected))
