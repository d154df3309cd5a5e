"""The authorization rules, in one place (``keysmith.store.conditions`` renders ``visible`` as a
write condition). docs/api-reference.md numbers them the same way.

1. A session may create, see and change its own user-owned keys.
2. A session with role ``admin`` may see and change every key of its tenant and create
   service-account keys.
3. Creating a user-owned key requires a session (or a trusted backend acting as that user): an API
   key gets 403.
4. An API key with ``keys:write`` owned by a service account may create keys for that same account.
5. A new or updated key's scopes must be a subset of the caller's scopes (sessions hold all).
6. Nobody sees or changes another tenant's keys: 404.
7. Lifetime only shrinks: an API-key caller may shorten a key's ``expires_at``, never lengthen or
   remove it; a rotated key's ``expires_at`` (the end of its grace) is lengthened or removed by
   nobody (``expiry_rule`` decides which of the two applies; the store makes it a write condition).
   Likewise an API-key caller may narrow a key's restrictions and limits, never widen them
   (``widened_restriction``: the key as read, the write conditional on its version).
8. Sessions: see ``keysmith.auth.sessions``.

The management scopes: an API key acts as its owner inside its tenant, and only through the two
reserved scopes ``keys:read`` (list and get) and ``keys:write`` (create and change; it does not
imply ``keys:read``). Product scopes (the deploy's ``AllowedScopes``) give no right here. A key
restricted to an environment acts only on keys of that environment. A trusted backend acts as the
tenant's admin, or as the user or service account it names, with every scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from keysmith.domain import restrictions
from keysmith.domain.api_key import KeyRecord
from keysmith.domain.principals import API_KEY, SERVICE_ACCOUNT, USER, Principal
from keysmith.domain.problems import Problem

READ, WRITE = "keys:read", "keys:write"
MANAGEMENT_SCOPES = (READ, WRITE)


def known_scopes(allowed: Iterable[str]) -> list[str]:
    """Every scope a key may hold on a deploy: its allowed (product) scopes and the management ones."""
    return list(dict.fromkeys([*allowed, *MANAGEMENT_SCOPES]))


def require_scope(principal: Principal, scope: str) -> None:
    if not principal.has_scope(scope):
        raise Problem("forbidden", f"This API key lacks the '{scope}' scope needed here.")


def may_read_keys(principal: Principal) -> None:
    """The right to list and get keys (403 before any body)."""
    require_scope(principal, READ)


def may_change_keys(principal: Principal) -> None:
    """The right to PATCH, suspend, activate, revoke and delete keys (403 before any body)."""
    require_scope(principal, WRITE)


def may_create_keys(principal: Principal) -> None:
    """The right to call create (or rotate, which mints a key): rules 3 and 4, before any body."""
    if principal.kind == API_KEY:
        require_scope(principal, WRITE)
        if principal.owner_type == USER:
            raise Problem("forbidden", "An API key cannot create keys for a person; use a session.")


def expiry_rule(principal: Principal) -> Literal["any", "rotated"]:
    """Rule 7: which keys' ``expires_at`` this caller may only shorten: every key (API keys), or
    only a rotated key (sessions: its grace end)."""
    return "any" if principal.kind == API_KEY else "rotated"


def check_restrictions_only_narrow(
    principal: Principal, old: KeyRecord, new: restrictions.Limits, given: frozenset[str], now: float
) -> None:
    """Rule 7 for restrictions and limits: 403 when an API-key caller would widen any of them.
    ``new`` holds the fields named in ``given``; its counters hold the credits it would leave."""
    if principal.kind != API_KEY:
        return
    widened = widened_restriction(old.limits, new, given, now)
    if widened is not None:
        raise Problem("forbidden", f"An API key may narrow a key's restrictions, never widen them: {widened}")


def widened_restriction(
    old: restrictions.Limits, new: restrictions.Limits, given: frozenset[str], now: float
) -> str | None:
    """What in ``new`` (the fields named in ``given``) widens ``old``, in words, or None. Removing a
    restriction widens it; adding one where there was none narrows."""
    if "allowed_ips" in given and old.allowed_ips:
        if not new.allowed_ips:
            return "removing allowed_ips lets every address use the key."
        outside = [r for r in new.allowed_ips if not restrictions.within(r, old.allowed_ips)]
        if outside:
            return f"{', '.join(outside)} is not inside the key's allowed_ips."
    moved_earlier = new.not_before is None or (old.not_before or 0) > new.not_before
    if "not_before" in given and old.not_before is not None and moved_earlier:
        return "not_before may only move later."
    if "rate_limit" in given and old.rate_limit is not None:
        rate, was = new.rate_limit, old.rate_limit
        if rate is None or rate.limit > was.limit or rate.window_seconds < was.window_seconds:
            return "rate_limit may only get a lower limit or a longer window."
    if "credits" in given and old.credits is not None:
        return _credits_widened(old, new, now)
    return None


def _credits_widened(old: restrictions.Limits, new: restrictions.Limits, now: float) -> str | None:
    credits, was = new.credits, old.credits
    if credits is None or was is None:
        return "removing credits makes the key's use unlimited." if credits is None else None
    if (new.credits_left(now) or 0) > (old.credits_left(now) or 0):
        return f"credits.remaining may not exceed the {old.credits_left(now)} left."
    if credits.refill_amount is not None:
        if was.refill_amount is None or credits.refill_amount > was.refill_amount:
            return "credits.refill may not be added or raised."
        if credits.refill_interval != was.refill_interval and credits.refill_interval != restrictions.MONTHLY:
            return "credits.refill may only become less frequent (daily to monthly)."
    return None


def visible(principal: Principal, record: KeyRecord) -> bool:
    """May this principal see (and, with keys:write, change) this key? Rules 1, 2, 6."""
    if record.tenant_id != principal.tenant_id:
        return False
    if principal.environment_id is not None and record.environment_id != principal.environment_id:
        return False
    if principal.is_admin:
        return True
    return record.owner_type == principal.owner_type and record.owner_id == principal.owner_id


def owner_for_new_key(principal: Principal, service_account_id: str | None) -> tuple[str, str]:
    """Who will own a key this principal creates. Rules 2, 3, 4."""
    if principal.kind == API_KEY or principal.owner_type == SERVICE_ACCOUNT:
        may_create_keys(principal)
        if service_account_id not in (None, principal.owner_id):
            raise Problem(
                "forbidden", "A service account's key may only create keys for that service account."
            )
        return SERVICE_ACCOUNT, principal.owner_id
    if service_account_id is None:
        if principal.owner_type != USER:  # a trusted backend acting as the tenant's admin
            detail = "Name the service account, or send Keysmith-Act-As: user:<id> to create a person's key."
            raise Problem(
                "validation-error", detail, errors=[{"pointer": "/service_account_id", "detail": detail}]
            )
        return USER, principal.owner_id
    if not principal.is_admin:
        raise Problem("forbidden", "Only an admin session may create service-account keys.")
    return SERVICE_ACCOUNT, service_account_id


def check_scopes(principal: Principal, scopes: Iterable[str]) -> None:
    """Rule 5."""
    if principal.scopes is None:
        return
    extra = sorted(set(scopes) - principal.scopes)
    if extra:
        raise Problem("forbidden", f"A key may not hold scopes its creator lacks: {', '.join(extra)}.")


def environment_for_new_key(principal: Principal, environment_id: str | None) -> str | None:
    if principal.environment_id is None:
        return environment_id
    if environment_id not in (None, principal.environment_id):
        raise Problem("forbidden", "An environment-restricted key may only create keys in its environment.")
    return principal.environment_id
