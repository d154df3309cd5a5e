"""The key lifecycle: change (PATCH, planned by ``key_changes``), suspend, activate, revoke, rotate
and delete, as the status machine (``status_machine``) says.

Every change reads the key once and writes once: a transaction that changes the key and writes its
audit event (``keysmith.domain.audit``), on condition that the caller may see the key, that its
status (with "expired" derived from the clock) allows the action and that its ``version`` is still
the one read, so the event's ``changes`` (the key as read -> the key as written) are exactly what
the write did. The read alone answers 404 (absent, or not this caller's) and 409 (a status that
does not allow the action) without a write. When another change lands between the read and the
write, the cancelled transaction hands back the key as it now is and the change is judged and
tried again against that (``MAX_ATTEMPTS``), as if it had arrived a moment later.
Rotation reads once (to copy the settings) and writes once: a transaction that puts the successor,
changes the old key on condition that its ``version`` is still the one read, and writes the two
events (``rotate`` on the old key, ``create`` on its successor).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from keysmith.domain import audit, policy, restrictions
from keysmith.domain.api_key import ACTIVE, REVOKED, SUSPENDED, KeyRecord
from keysmith.domain.create import (
    DAY,
    KeyService,
    invalid,
    lifetime_limit,
    mint,
    resolve_format,
    ttl_for,
)
from keysmith.domain.grammar import KEY_ID
from keysmith.domain.key_changes import KeyChanges, concurrent_change, expiry_refusal, plan_update
from keysmith.domain.ports import Change, ConditionFailed, TransactionCancelled
from keysmith.domain.principals import Principal
from keysmith.domain.problems import Problem, not_found
from keysmith.domain.restrictions import Credits
from keysmith.domain.status_machine import ACTIVATE, CHANGE, DELETE, REVOKE, ROTATE, SUSPEND, Action

MAX_GRACE_SECONDS = 7 * DAY
# What a rotation's successor takes from the old key as it is (besides metadata, expiry and limits).
INHERITED_FIELDS = ("tenant_id", "owner_type", "owner_id", "name", "description", "scopes", "environment_id")
# How often a change is tried again when others keep landing between its read and its write.
MAX_ATTEMPTS = 16
# The audit action of each status-machine action.
AUDIT_ACTIONS = {
    SUSPEND.name: audit.SUSPEND,
    ACTIVATE.name: audit.ACTIVATE,
    REVOKE.name: audit.REVOKE,
    ROTATE.name: audit.ROTATE,
    DELETE.name: audit.DELETE,
    CHANGE.name: audit.UPDATE,
}

__all__ = [
    "ACTIVATE",
    "CHANGE",
    "DELETE",
    "MAX_GRACE_SECONDS",
    "REVOKE",
    "ROTATE",
    "SUSPEND",
    "Lifecycle",
    "successor_expiry",
]


def successor_expiry(old: KeyRecord, now: float, limit: int, deploy_maximum: bool) -> float | None:
    """The new key of a rotation lives as long as the old key was set to live (``expires_at`` -
    ``created_at``), counted from now and never beyond the deploy's maximum lifetime. A key that
    never expired gets a successor that never expires, unless the deploy sets a maximum."""
    start = math.floor(now)
    if old.expires_at is None:
        return float(start + limit) if deploy_maximum else None
    lifetime = max(1, int(old.expires_at) - math.floor(old.created_at))
    return float(start + min(lifetime, limit))


class Lifecycle(KeyService):
    # --- state changes: one conditional write each ------------------------------------------------
    def suspend(self, principal: Principal, key_id: str) -> KeyRecord:
        now = self._begin(principal, key_id)
        sets = {"status": SUSPENDED, "suspended_at": now, "updated_at": now}
        return self._change(key_id, Change(principal, SUSPEND, now, sets))

    def activate(self, principal: Principal, key_id: str) -> KeyRecord:
        now = self._begin(principal, key_id)
        sets = {"status": ACTIVE, "updated_at": now}
        return self._change(key_id, Change(principal, ACTIVATE, now, sets, remove=("suspended_at",)))

    def revoke(self, principal: Principal, key_id: str) -> KeyRecord:
        now = self._begin(principal, key_id)
        # The condition guarantees the key has not expired, so revocation is the end of its life.
        ttl = ttl_for(None, now, self.settings.retention_days)
        sets = {"status": REVOKED, "revoked_at": now, "updated_at": now, "ttl": ttl}
        return self._change(key_id, Change(principal, REVOKE, now, sets))

    def update(self, principal: Principal, key_id: str, changes: KeyChanges) -> KeyRecord:
        """PATCH: only the fields given change (``key_changes.plan_update``)."""
        now = self._begin(principal, key_id)
        planned = plan_update(principal, changes, now, self.settings)
        try:
            return self._change(key_id, planned.change, planned.judge)
        except _ConditionUnexplained as unexplained:
            raise expiry_refusal(unexplained.record, planned.change, planned.lifetime_limit) from None

    # --- delete: one read and one transaction (the delete and its event) -----------------------
    def delete(self, principal: Principal, key_id: str) -> None:
        now = self._begin(principal, key_id)
        self._audited_write(key_id, Change(principal, DELETE, now, {}), deleting=True)

    # --- rotate: one read and one transaction ---------------------------------------------------
    def rotate(
        self, principal: Principal, key_id: str, grace_period_seconds: int = 0, key_format: str | None = None
    ) -> tuple[KeyRecord, str]:
        """The successor and its plaintext. The old key is revoked now (grace 0), or stays valid
        until ``now + grace`` (never past its own expiry), and points at its successor. The
        successor has the old key's format unless ``key_format`` names another."""
        now = self._begin(principal, key_id)
        # Rotation mints a key for the old key's owner: the same right as creating one (rules 3, 4).
        policy.may_create_keys(principal)
        if not 0 <= grace_period_seconds <= MAX_GRACE_SECONDS:
            raise invalid("/grace_period_seconds", f"Must be between 0 and {MAX_GRACE_SECONDS}.")
        settings = self.settings
        old = self.store.get(key_id)
        refusal = self._refusal(principal, old, ROTATE, now)
        if refusal is not None:
            raise refusal
        assert old is not None  # _refusal answers 404 for an absent key
        policy.check_scopes(principal, old.scopes)  # rule 5: the successor holds the same scopes
        new, plaintext = self._successor(
            principal, old, now, resolve_format(settings, key_format, old.format)
        )
        sets: dict[str, Any] = {"rotated_to": new.id, "updated_at": now}
        if old.limits.credits is not None:  # one pool of credits: it moves to the successor
            sets.update(credits={}, **{Credits().counter(now): 0})
        if grace_period_seconds == 0:
            sets["status"] = REVOKED
            sets["revoked_at"] = now
            sets["ttl"] = ttl_for(None, now, settings.retention_days)
        else:
            ends = float(math.floor(now) + grace_period_seconds)
            if old.expires_at is not None:
                ends = min(ends, old.expires_at)
            sets["expires_at"] = ends
            sets["ttl"] = ttl_for(ends, None, settings.retention_days)
        events = (
            audit.event_for(audit.ROTATE, principal, old, audit.applied(old, sets, ()), now),
            audit.created(principal, new),
        )
        change = Change(principal, ROTATE, now, sets, read_version=old.version, audit=events)
        try:
            self.store.rotate(new, key_id, change)
        except TransactionCancelled as cancelled:
            raise self._rotation_refusal(principal, cancelled, now) from None
        return new, plaintext

    def _successor(
        self, principal: Principal, old: KeyRecord, now: float, key_format: str
    ) -> tuple[KeyRecord, str]:
        settings = self.settings
        expires_at = successor_expiry(old, now, lifetime_limit(settings), settings.max_key_lifetime_days > 0)
        return mint(
            settings,
            principal,
            now,
            **{name: getattr(old, name) for name in INHERITED_FIELDS},
            metadata=dict(old.metadata),
            expires_at=expires_at,
            rotated_from=old.id,
            key_format_name=key_format,
            signer=self.signer,
            limits=restrictions.with_credits_left(old.limits, old.limits.credits_left(now), now),
        )

    def _rotation_refusal(
        self, principal: Principal, cancelled: TransactionCancelled, now: float
    ) -> Exception:
        # Throttling and conflicts never get here: the store raises StoreUnavailable for them.
        codes = [code for code, _ in cancelled.reasons]
        if len(cancelled.reasons) > 1 and codes[1] == "ConditionalCheckFailed":
            old = cancelled.reasons[1][1]
            record = old if isinstance(old, KeyRecord) else None
            # Absent, not visible or no longer rotatable: say so. Otherwise only the version moved.
            return self._refusal(principal, record, ROTATE, now) or concurrent_change()
        return RuntimeError(f"rotation cancelled: {codes}")

    # --- the one conditional write, and reading its refusal -------------------------------------
    def _begin(self, principal: Principal, key_id: str) -> float:
        """Before any I/O: the write scope, then the id's shape (a malformed id is just not found)."""
        policy.require_scope(principal, policy.WRITE)
        if not KEY_ID.fullmatch(key_id):
            raise not_found()
        return self.now()

    def _change(
        self, key_id: str, change: Change, judge: Callable[[KeyRecord], None] | None = None
    ) -> KeyRecord:
        after = self._audited_write(key_id, change, judge=judge)
        assert after is not None
        return after

    def _audited_write(
        self,
        key_id: str,
        change: Change,
        deleting: bool = False,
        judge: Callable[[KeyRecord], None] | None = None,
    ) -> KeyRecord | None:
        """Read the key, judge the change against it, and write the change with its event on
        condition that the key is still the one read; the key as written (None once deleted)."""
        record = self.store.get(key_id)
        for _ in range(MAX_ATTEMPTS):
            refusal = self._refusal(change.principal, record, change.action, change.now)
            if refusal is not None:
                raise refusal
            assert record is not None
            if judge is not None:
                judge(record)  # e.g. rule 7 for restrictions, against the key as read
            after = None if deleting else audit.applied(record, change.sets, change.remove)
            action = AUDIT_ACTIONS[change.action.name]
            event = audit.event_for(action, change.principal, record, after, change.now)
            held = record.limits.credits_counter(change.now) if change.holds_credits else None
            attempt = replace(
                change, read_version=record.version, credits_read=held, audit=(event,), expected=after
            )
            try:
                if deleting:
                    self.store.delete(key_id, attempt)
                    return None
                return self.store.change(key_id, attempt)
            except ConditionFailed as failed:
                if failed.item is not None and (
                    failed.item.version != record.version
                    or (held is not None and failed.item.limits.credits_counter(change.now) != held)
                ):
                    # Another change landed first, or credits were spent since the read (rule 7
                    # for credits): judge this one against the key as it is now.
                    record = failed.item
                    continue
                refusal = self._refusal(change.principal, failed.item, change.action, change.now)
                if refusal is not None:
                    raise refusal from None
                assert failed.item is not None
                if (
                    change.created_not_before is not None
                    or change.expiry_only_shrinks is not None
                    or change.starts_before_expiry
                ):
                    raise _ConditionUnexplained(failed.item) from None
                raise concurrent_change() from None
        raise concurrent_change()

    def _refusal(
        self, principal: Principal, record: KeyRecord | None, action: Action, now: float
    ) -> Problem | None:
        """404 or 409 for a key as it is, or None when its status allows ``action``."""
        if record is None or not policy.visible(principal, record):
            return not_found()
        if action is ROTATE and record.rotated_to is not None:
            return Problem(
                "conflict",
                f"The key has already been rotated (its successor is {record.rotated_to}); "
                "a key can be rotated only once.",
            )
        if record.allows(action, now):
            return None
        return Problem("conflict", action.refusal(record.effective_status(now)))


class _ConditionUnexplained(Exception):
    """The key is visible and its status allows the action: the extra condition failed."""

    def __init__(self, record: KeyRecord) -> None:
        super().__init__("extra condition failed")
        self.record = record
