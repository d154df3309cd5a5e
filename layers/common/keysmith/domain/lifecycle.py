"""The key lifecycle: change (PATCH), suspend, activate, revoke, rotate and delete, as the status
machine (``status_machine``) says.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from keysmith.clock import rfc3339
from keysmith.domain import audit, policy, restrictions
from keysmith.domain.api_key import ACTIVE, REVOKED, SUSPENDED, KeyRecord
from keysmith.domain.create import (
    DAY,
    KeyService,
    check_allowed_scopes,
    future_second,
    invalid,
    lifetime_limit,
    mint,
    resolve_format,
    ttl_for,
)
from keysmith.domain.grammar import KEY_ID
from keysmith.domain.ports import Change, ConditionFailed, TransactionCancelled
from keysmith.domain.principals import API_KEY, Principal
from keysmith.domain.problems import Problem, not_found
from keysmith.domain.restrictions import Credits, Limits
from keysmith.domain.status_machine import ACTIVATE, CHANGE, DELETE, REVOKE, ROTATE, SUSPEND, Action

MAX_GRACE_SECONDS = 7 * DAY
RESTRICTION_FIELDS = restrictions.FIELDS
CHANGEABLE_FIELDS = ("name", "description", "metadata", "scopes", "expires_at", *RESTRICTION_FIELDS)
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
    "KeyChanges",
    "Lifecycle",
    "successor_expiry",
]


@dataclass(frozen=True)
class KeyChanges:
    """A PATCH, already checked for shape (``keysmith.http.schemas.UpdateKeyRequest``). ``given``
    names the fields the client sent; the others are not touched. ``description``/``expires_at``
    None clear them."""

    given: frozenset[str]
    name: str | None = None
    description: str | None = None
    scopes: tuple[str, ...] | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    expires_at: float | None = None
    limits: Limits = field(default_factory=Limits)  # the restriction fields given (None/() removes)
    credits_remaining: int | None = None


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
        """PATCH: only the fields given change; unknown fields never reach here (422)."""
        now = self._begin(principal, key_id)
        given = changes.given
        if not given:
            raise invalid("", f"Give at least one of {', '.join(CHANGEABLE_FIELDS)}.")
        settings = self.settings
        limit = lifetime_limit(settings)
        sets: dict[str, Any] = {"updated_at": now}
        remove: list[str] = []
        created_not_before: float | None = None
        if "name" in given and changes.name is not None:
            sets["name"] = changes.name
        if "description" in given:
            if changes.description:
                sets["description"] = changes.description
            else:
                remove.append("description")
        if "metadata" in given:
            sets["metadata"] = dict(changes.metadata)
        if "scopes" in given and changes.scopes is not None:
            check_allowed_scopes(settings.allowed_scopes, changes.scopes)
            policy.check_scopes(principal, changes.scopes)
            sets["scopes"] = tuple(changes.scopes)
        expiry_rule = None
        if "expires_at" in given:
            expiry_rule = policy.expiry_rule(principal)
            if changes.expires_at is None:
                if expiry_rule == "any":
                    raise Problem("forbidden", "An API key may shorten a key's expires_at, never remove it.")
                if settings.max_key_lifetime_days > 0:
                    raise invalid(
                        "/expires_at",
                        f"This deployment requires every key to expire within "
                        f"{settings.max_key_lifetime_days} days of its creation; give a date.",
                    )
                remove += ["expires_at", "ttl"]
            else:
                expires_at = future_second("/expires_at", changes.expires_at, now)
                sets["expires_at"] = expires_at
                sets["ttl"] = ttl_for(expires_at, None, settings.retention_days)
                # The deploy's maximum lifetime counts from the key's creation: a condition, not a read.
                created_not_before = expires_at - limit
        narrows_only = self._restriction_changes(principal, changes, now, sets, remove)
        change = Change(
            principal,
            CHANGE,
            now,
            sets,
            tuple(remove),
            created_not_before=created_not_before,
            expiry_only_shrinks=expiry_rule,
            starts_before_expiry=_one_bound_of_two(sets, remove),
        )
        try:
            return self._change(key_id, change, narrows_only)
        except _ConditionUnexplained as unexplained:
            raise _expiry_refusal(unexplained.record, change, limit) from None

    def _restriction_changes(
        self,
        principal: Principal,
        changes: KeyChanges,
        now: float,
        sets: dict[str, Any],
        remove: list[str],
    ) -> Callable[[KeyRecord], None] | None:
        """Add the given restriction fields to ``sets``/``remove``. For an API-key caller, the
        rule-7 check (narrow only) to run against the key as read before the write, which is
        conditioned on that read's version."""
        given = changes.given & frozenset(RESTRICTION_FIELDS)
        if not given:
            return None
        new = changes.limits
        if new.not_before is not None:
            new = replace(new, not_before=restrictions.starts_at(new.not_before))
        new = restrictions.with_credits_left(new, changes.credits_remaining, now)
        if "not_before" in given and "expires_at" in changes.given:
            expires_at = None if changes.expires_at is None else float(math.floor(changes.expires_at))
            reason = restrictions.check_starts_before_expiry(new.not_before, expires_at)
            if reason is not None:
                raise invalid("/not_before", reason)
        for name, value in restrictions.plain_values(new, given).items():
            if value is None:
                remove.append(name)
            else:
                sets[name] = value
        if "credits" in given:
            sets.update(new.counters or {})
        if principal.kind != API_KEY:
            return None

        def only_narrows(old: KeyRecord) -> None:
            policy.check_restrictions_only_narrow(principal, old, new, given, now)

        return only_narrows

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
            tenant_id=old.tenant_id,
            owner_type=old.owner_type,
            owner_id=old.owner_id,
            name=old.name,
            description=old.description,
            scopes=old.scopes,
            environment_id=old.environment_id,
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
            return self._refusal(principal, record, ROTATE, now) or self._concurrent()
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
            attempt = replace(change, read_version=record.version, audit=(event,), expected=after)
            try:
                if deleting:
                    self.store.delete(key_id, attempt)
                    return None
                return self.store.change(key_id, attempt)
            except ConditionFailed as failed:
                if failed.item is not None and failed.item.version != record.version:
                    record = failed.item  # another change landed first: judge this one against it
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
                raise self._concurrent() from None
        raise self._concurrent()

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

    @staticmethod
    def _concurrent() -> Problem:
        return Problem(
            "conflict",
            "The key changed concurrently while this request was handled; read it again and retry.",
        )


def _expiry_refusal(record: KeyRecord, change: Change, limit: int) -> Problem:
    """Why a PATCH of ``expires_at`` whose status allowed it did not apply: rule 7 (the stored
    expiry would grow), else the deploy's maximum lifetime, else a concurrent change."""
    new = change.sets.get("expires_at")
    grows = record.expires_at is not None and (new is None or new > record.expires_at)
    if grows and change.expiry_only_shrinks == "any":
        return Problem(
            "forbidden",
            f"An API key may only shorten a key's expires_at (now {rfc3339(record.expires_at or 0)}).",
        )
    if grows and record.rotated_to is not None:
        return Problem(
            "conflict",
            "The key has been rotated: the end of its grace period "
            f"({rfc3339(record.expires_at or 0)}) can be brought forward, never extended or removed.",
        )
    new_not_before = change.sets.get("not_before", record.limits.not_before)
    new_expiry = change.sets.get("expires_at", record.expires_at)
    if change.starts_before_expiry and restrictions.check_starts_before_expiry(new_not_before, new_expiry):
        pointer = "/not_before" if "not_before" in change.sets else "/expires_at"
        return invalid(pointer, f"not_before ({rfc3339(new_not_before)}) must be before expires_at.")
    if change.created_not_before is not None and record.created_at < change.created_not_before:
        return invalid(
            "/expires_at",
            f"Must be at most {limit} seconds after the key's creation "
            f"(no later than {rfc3339(record.created_at + limit)}).",
        )
    return Lifecycle._concurrent()


def _one_bound_of_two(sets: Mapping[str, Any], remove: list[str]) -> bool:
    """Does this write set one of ``not_before`` and ``expires_at`` while the other stays as
    stored? Then the stored one must agree with it (a condition); both are checked in the body."""
    for bound, other in (("not_before", "expires_at"), ("expires_at", "not_before")):
        if bound in sets and other not in sets and other not in remove:
            return True
    return False


class _ConditionUnexplained(Exception):
    """The key is visible and its status allows the action: the extra condition failed."""

    def __init__(self, record: KeyRecord) -> None:
        super().__init__("extra condition failed")
        self.record = record
