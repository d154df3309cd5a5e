"""A PATCH, checked and planned: what the client asked (``KeyChanges``), the rules that need no read
(allowed scopes, rule 5, rule 7 for an expiry's removal, the deploy's maximum lifetime, not_before
before expires_at), and the one ``Change`` the lifecycle writes, with the conditions that stand for
what only the stored key can tell and the check to run against the key as read (rule 7 for
restrictions). ``expiry_refusal`` says why such a condition failed."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from keysmith.clock import rfc3339
from keysmith.domain import policy, restrictions
from keysmith.domain.api_key import KeyRecord
from keysmith.domain.create import check_allowed_scopes, future_second, invalid, lifetime_limit, ttl_for
from keysmith.domain.ports import Change
from keysmith.domain.principals import API_KEY, Principal
from keysmith.domain.problems import Problem
from keysmith.domain.restrictions import Limits
from keysmith.domain.status_machine import CHANGE
from keysmith.settings import Settings

RESTRICTION_FIELDS = restrictions.FIELDS
CHANGEABLE_FIELDS = ("name", "description", "metadata", "scopes", "expires_at", *RESTRICTION_FIELDS)


@dataclass(frozen=True)
class KeyChanges:
    """A PATCH, already checked for shape (``keysmith.http.schemas.key_requests.UpdateKeyRequest``). ``given``
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


@dataclass(frozen=True)
class PlannedChange:
    """The write of a PATCH, the check to run against the key as read (None: none), and the
    deploy's maximum lifetime in seconds (for ``expiry_refusal``)."""

    change: Change
    judge: Callable[[KeyRecord], None] | None
    lifetime_limit: int


def plan_update(principal: Principal, changes: KeyChanges, now: float, settings: Settings) -> PlannedChange:
    """PATCH: only the fields given change; unknown fields never reach here (422)."""
    given = changes.given
    if not given:
        raise invalid("", f"Give at least one of {', '.join(CHANGEABLE_FIELDS)}.")
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
    narrows_only = _restriction_changes(principal, changes, now, sets, remove)
    change = Change(
        principal,
        CHANGE,
        now,
        sets,
        tuple(remove),
        created_not_before=created_not_before,
        expiry_only_shrinks=expiry_rule,
        starts_before_expiry=_one_bound_of_two(sets, remove),
        holds_credits=narrows_only is not None and "credits" in changes.given,
    )
    return PlannedChange(change, narrows_only, limit)


def _restriction_changes(
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


def expiry_refusal(record: KeyRecord, change: Change, limit: int) -> Problem:
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
    return concurrent_change()


def _one_bound_of_two(sets: Mapping[str, Any], remove: list[str]) -> bool:
    """Does this write set one of ``not_before`` and ``expires_at`` while the other stays as
    stored? Then the stored one must agree with it (a condition); both are checked in the body."""
    for bound, other in (("not_before", "expires_at"), ("expires_at", "not_before")):
        if bound in sets and other not in sets and other not in remove:
            return True
    return False


def concurrent_change() -> Problem:
    return Problem(
        "conflict",
        "The key changed concurrently while this request was handled; read it again and retry.",
    )
