"""The key lifecycle: change (PATCH), suspend, activate, revoke, rotate and delete, as API.md's
status machine says.

Every change is one conditional write with no read before it. The condition says both who may
change the key (``policy.visibility_condition``) and which stored status and expiry the action
needs, with "expired" derived from the clock (``:now``). When the condition fails, DynamoDB hands
back the item as it was (``ReturnValuesOnConditionCheckFailure=ALL_OLD``), and that item alone tells
404 (absent, or not this caller's) from 409 (the caller's, in a status that does not allow it).
Rotation reads once (to copy the settings) and writes once: a transaction that puts the successor
and updates the old key on condition that its ``version`` is still the one read.

No boto3 and no HTTP here: the store does I/O, the handlers shape answers, this module decides.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from keysmith import clock, keys, policy
from keysmith.clock import rfc3339
from keysmith.keys import DAY, invalid, lifetime_limit, ttl_for
from keysmith.principals import API_KEY, Principal
from keysmith.problems import Problem, not_found
from keysmith.records import ACTIVE, REVOKED, SUSPENDED, KeyRecord, from_item, number
from keysmith.runtime import Runtime
from keysmith.store import ConditionFailed, TransactionCancelled

MAX_GRACE_SECONDS = 7 * DAY
CHANGEABLE_FIELDS = ("name", "description", "metadata", "scopes", "expires_at")

# "Not expired", with the clock as a value: reads never trust TTL, and neither do writes.
_LIVE = "(attribute_not_exists(expires_at) OR expires_at > :now)"
_PLACEHOLDER = re.compile(r":[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Rule:
    """An action: the stored status (and expiry) it needs, as a condition and in words."""

    action: str
    condition: str
    allowed: str  # for the 409 detail: "... is available only for <allowed>."

    def allows(self, record: KeyRecord, now: float) -> bool:
        if self.action == "change":
            return record.effective_status(now) in (ACTIVE, SUSPENDED)
        return record.available_actions(now)[self.action]


SUSPEND = Rule("suspend", f"#status = :active AND {_LIVE}", "active keys")
ACTIVATE = Rule("activate", f"#status = :suspended AND {_LIVE}", "suspended keys")
REVOKE = Rule("revoke", f"#status IN (:active, :suspended) AND {_LIVE}", "active or suspended keys")
ROTATE = Rule(
    "rotate",
    f"#status = :active AND {_LIVE} AND attribute_not_exists(rotated_to)",
    "active keys without a successor",
)
DELETE = Rule(
    "delete",
    "#status IN (:suspended, :revoked) OR expires_at <= :now",
    "suspended, revoked or expired keys",
)
CHANGE = Rule("change", f"#status IN (:active, :suspended) AND {_LIVE}", "active or suspended keys")


@dataclass(frozen=True)
class KeyChanges:
    """A PATCH, already checked for shape (models.UpdateKeyRequest). ``given`` names the fields
    the client sent; the others are not touched. ``description``/``expires_at`` None clear them."""

    given: frozenset[str]
    name: str | None = None
    description: str | None = None
    scopes: tuple[str, ...] | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    expires_at: float | None = None


def check_allowed_scopes(allowed: tuple[str, ...], scopes: tuple[str, ...]) -> None:
    for i, scope in enumerate(scopes):
        if scope not in allowed:
            raise invalid(f"/scopes/{i}", f"Unknown scope; allowed: {', '.join(allowed)}.")


def successor_expiry(old: KeyRecord, now: float, limit: int, deploy_maximum: bool) -> float | None:
    """The new key of a rotation lives as long as the old key was set to live (``expires_at`` -
    ``created_at``), counted from now and never beyond the deploy's maximum lifetime. A key that
    never expired gets a successor that never expires, unless the deploy sets a maximum."""
    start = math.floor(now)
    if old.expires_at is None:
        return float(start + limit) if deploy_maximum else None
    lifetime = max(1, int(old.expires_at) - math.floor(old.created_at))
    return float(start + min(lifetime, limit))


class Lifecycle:
    def __init__(self, runtime: Runtime, now: Callable[[], float] | None = None) -> None:
        self.runtime = runtime
        self._now = now

    def now(self) -> float:
        # Looked up on every call so that tests can freeze keysmith.clock.now.
        return self._now() if self._now is not None else clock.now()

    # --- state changes: one conditional UpdateItem each -------------------------------------------
    def suspend(self, principal: Principal, key_id: str) -> KeyRecord:
        now = self._begin(principal, key_id)
        sets = {"status": {"S": SUSPENDED}, "suspended_at": number(now), "updated_at": number(now)}
        return self._update(principal, key_id, SUSPEND, now, sets)

    def activate(self, principal: Principal, key_id: str) -> KeyRecord:
        now = self._begin(principal, key_id)
        sets = {"status": {"S": ACTIVE}, "updated_at": number(now)}
        return self._update(principal, key_id, ACTIVATE, now, sets, remove=("suspended_at",))

    def revoke(self, principal: Principal, key_id: str) -> KeyRecord:
        now = self._begin(principal, key_id)
        # The condition guarantees the key has not expired, so revocation is the end of its life.
        ttl = ttl_for(None, now, self.runtime.settings.retention_days)
        sets = {
            "status": {"S": REVOKED},
            "revoked_at": number(now),
            "updated_at": number(now),
            "ttl": {"N": str(ttl)},
        }
        return self._update(principal, key_id, REVOKE, now, sets)

    def update(self, principal: Principal, key_id: str, changes: KeyChanges) -> KeyRecord:
        """PATCH: only the fields given change; unknown fields never reach here (422)."""
        now = self._begin(principal, key_id)
        given = changes.given
        if not given:
            raise invalid("", f"Give at least one of {', '.join(CHANGEABLE_FIELDS)}.")
        settings = self.runtime.settings
        sets: dict[str, dict[str, Any]] = {"updated_at": number(now)}
        remove: list[str] = []
        extra: tuple[str, dict[str, Any]] | None = None
        if "name" in given and changes.name is not None:
            sets["name"] = {"S": changes.name}
        if "description" in given:
            if changes.description:
                sets["description"] = {"S": changes.description}
            else:
                remove.append("description")
        if "metadata" in given:
            sets["metadata"] = {"M": {k: {"S": v} for k, v in changes.metadata.items()}}
        if "scopes" in given and changes.scopes is not None:
            check_allowed_scopes(settings.allowed_scopes, changes.scopes)
            policy.check_scopes(principal, changes.scopes)
            sets["scopes"] = {"L": [{"S": s} for s in changes.scopes]}
        if "expires_at" in given:
            limit = lifetime_limit(self.runtime)
            if changes.expires_at is None:
                if settings.max_key_lifetime_days > 0:
                    raise invalid(
                        "/expires_at",
                        f"This deployment requires every key to expire within "
                        f"{settings.max_key_lifetime_days} days of its creation; give a date.",
                    )
                remove += ["expires_at", "ttl"]
            else:
                if changes.expires_at <= now:
                    raise invalid("/expires_at", "Must be in the future.")
                expires_at = float(math.floor(changes.expires_at))
                sets["expires_at"] = number(expires_at)
                sets["ttl"] = {"N": str(ttl_for(expires_at, None, settings.retention_days))}
                # The deploy's maximum lifetime counts from the key's creation: a condition, not a read.
                extra = ("created_at >= :earliest", {":earliest": number(expires_at - limit)})
        try:
            return self._update(principal, key_id, CHANGE, now, sets, remove=tuple(remove), extra=extra)
        except _ConditionUnexplained as unexplained:
            record = unexplained.record
            limit = lifetime_limit(self.runtime)
            raise invalid(
                "/expires_at",
                f"Must be at most {limit} seconds after the key's creation "
                f"(no later than {rfc3339(record.created_at + limit)}).",
            ) from None

    # --- delete: one conditional DeleteItem ----------------------------------------------------
    def delete(self, principal: Principal, key_id: str) -> None:
        now = self._begin(principal, key_id)
        condition, names, values = self._condition(principal, DELETE, now)
        try:
            self.runtime.store.delete(key_id, condition=condition, names=names, values=values)
        except ConditionFailed as failed:
            raise self._refusal(principal, failed.item, DELETE, now) or self._concurrent() from None

    # --- rotate: one GetItem and one TransactWriteItems ------------------------------------------
    def rotate(
        self, principal: Principal, key_id: str, grace_period_seconds: int = 0
    ) -> tuple[KeyRecord, str]:
        """The successor and its plaintext. The old key is revoked now (grace 0), or stays valid
        until ``now + grace`` (never past its own expiry), and points at its successor."""
        now = self._begin(principal, key_id)
        if principal.kind == API_KEY:
            # Rotation mints a key for the old key's owner: the same right as creating one (rules 3, 4).
            policy.owner_for_new_key(principal, None)
        if not 0 <= grace_period_seconds <= MAX_GRACE_SECONDS:
            raise invalid("/grace_period_seconds", f"Must be between 0 and {MAX_GRACE_SECONDS}.")
        store, settings = self.runtime.store, self.runtime.settings
        old = store.get(key_id)
        refusal = self._refusal(principal, old, ROTATE, now)
        if refusal is not None:
            raise refusal
        assert old is not None  # _refusal answers 404 for an absent key
        policy.check_scopes(principal, old.scopes)  # rule 5: the successor holds the same scopes
        new, plaintext = self._successor(principal, old, now)
        sets: dict[str, dict[str, Any]] = {"rotated_to": {"S": new.id}, "updated_at": number(now)}
        if grace_period_seconds == 0:
            sets["status"] = {"S": REVOKED}
            sets["revoked_at"] = number(now)
            sets["ttl"] = {"N": str(ttl_for(None, now, settings.retention_days))}
        else:
            ends = float(math.floor(now) + grace_period_seconds)
            if old.expires_at is not None:
                ends = min(ends, old.expires_at)
            sets["expires_at"] = number(ends)
            sets["ttl"] = {"N": str(ttl_for(ends, None, settings.retention_days))}
        version = ("#version = :read_version", {":read_version": {"N": str(old.version)}})
        condition, names, values = self._condition(principal, ROTATE, now, version)
        update = store.update_request(
            key_id, set_values=sets, condition=condition, names=names, values=values
        )
        update["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            store.transact([store.put_action(new), {"Update": update}])
        except TransactionCancelled as cancelled:
            raise self._rotation_refusal(principal, cancelled, now) from None
        return new, plaintext

    def _successor(self, principal: Principal, old: KeyRecord, now: float) -> tuple[KeyRecord, str]:
        settings = self.runtime.settings
        expires_at = successor_expiry(
            old, now, lifetime_limit(self.runtime), settings.max_key_lifetime_days > 0
        )
        return keys.mint(
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
        )

    def _rotation_refusal(
        self, principal: Principal, cancelled: TransactionCancelled, now: float
    ) -> Exception:
        # Throttling and conflicts never get here: KeyStore.transact raises StoreUnavailable for them.
        codes = [code for code, _ in cancelled.reasons]
        if len(cancelled.reasons) > 1 and codes[1] == "ConditionalCheckFailed":
            raw = cancelled.reasons[1][1]
            record = from_item(raw) if raw and "key_hash" in raw else None
            # Absent, not visible or no longer rotatable: say so. Otherwise only the version moved.
            return self._refusal(principal, record, ROTATE, now) or self._concurrent()
        return RuntimeError(f"rotation cancelled: {codes}")

    # --- the one conditional write, and reading its refusal -------------------------------------
    def _begin(self, principal: Principal, key_id: str) -> float:
        """Before any I/O: the write scope, then the id's shape (a malformed id is just not found)."""
        policy.require_scope(principal, policy.WRITE)
        if not keys.KEY_ID_PATTERN.fullmatch(key_id):
            raise not_found()
        return self.now()

    def _condition(
        self,
        principal: Principal,
        rule: Rule,
        now: float,
        extra: tuple[str, dict[str, Any]] | None = None,
    ) -> tuple[str, dict[str, str], dict[str, Any]]:
        """visible AND the rule's status condition [AND extra], with exactly the values it uses."""
        visibility, names, values = policy.visibility_condition(principal)
        parts = [visibility, rule.condition]
        candidates: dict[str, Any] = {
            ":now": number(now),
            ":active": {"S": ACTIVE},
            ":suspended": {"S": SUSPENDED},
            ":revoked": {"S": REVOKED},
        }
        if extra is not None:
            parts.append(extra[0])
            candidates.update(extra[1])
        expression = " AND ".join(f"({part})" for part in parts)
        used = set(_PLACEHOLDER.findall(rule.condition + " " + (extra[0] if extra else "")))
        values.update({name: value for name, value in candidates.items() if name in used})
        names = {**names, "#status": "status"}
        return expression, names, values

    def _update(
        self,
        principal: Principal,
        key_id: str,
        rule: Rule,
        now: float,
        sets: dict[str, dict[str, Any]],
        *,
        remove: tuple[str, ...] = (),
        extra: tuple[str, dict[str, Any]] | None = None,
    ) -> KeyRecord:
        condition, names, values = self._condition(principal, rule, now, extra)
        try:
            return self.runtime.store.update(
                key_id, set_values=sets, remove=remove, condition=condition, names=names, values=values
            )
        except ConditionFailed as failed:
            refusal = self._refusal(principal, failed.item, rule, now)
            if refusal is not None:
                raise refusal from None
            assert failed.item is not None
            if extra is not None:
                raise _ConditionUnexplained(failed.item) from None
            raise self._concurrent() from None

    def _refusal(
        self, principal: Principal, record: KeyRecord | None, rule: Rule, now: float
    ) -> Problem | None:
        """404 or 409 for a key as it is, or None when its status allows ``rule``."""
        if record is None or not policy.visible(principal, record):
            return not_found()
        if rule is ROTATE and record.rotated_to is not None:
            return Problem(
                "conflict",
                f"The key has already been rotated (its successor is {record.rotated_to}); "
                "a key can be rotated only once.",
            )
        if rule.allows(record, now):
            return None
        status = record.effective_status(now)
        if rule is CHANGE:
            return Problem("conflict", f"The key is {status}; only active or suspended keys can be changed.")
        return Problem(
            "conflict", f"The key is {status}; {rule.action} is available only for {rule.allowed}."
        )

    @staticmethod
    def _concurrent() -> Problem:
        return Problem(
            "conflict",
            "The key changed concurrently while this request was handled; read it again and retry.",
        )


class _ConditionUnexplained(Exception):
    """The key is visible and its status allows the action: the extra condition failed."""

    def __init__(self, record: KeyRecord) -> None:
        super().__init__("extra condition failed")
        self.record = record
