"""The JSON shapes of the answers: the ApiKey resource, the verify verdict, the authorizer's
context and GET /v1/whoami's principal. Never the hash, never a plaintext (create and rotate add
their ``key`` to the one answer that made it)."""

from __future__ import annotations

import math
from typing import Any

from keysmith.clock import rfc3339
from keysmith.domain import restrictions
from keysmith.domain.api_key import KeyRecord
from keysmith.domain.restrictions import Limits
from keysmith.domain.verdicts import RATE_LIMITED, USAGE_EXCEEDED, Verification


def _time(value: float | None) -> str | None:
    return None if value is None else rfc3339(value)


def to_api(record: KeyRecord, now: float) -> dict[str, Any]:
    """The ApiKey resource (never the hash, never the plaintext)."""
    return {
        "id": record.id,
        "type": "api_key",
        "name": record.name,
        "description": record.description,
        "prefix": record.prefix,
        "last_four": record.last_four,
        "scopes": list(record.scopes),
        "tenant_id": record.tenant_id,
        "owner": {"type": record.owner_type, "id": record.owner_id},
        "environment_id": record.environment_id,
        "metadata": dict(record.metadata),
        "status": record.effective_status(now),
        "available_actions": record.available_actions(now),
        "created_at": rfc3339(record.created_at),
        "created_by": {"type": record.created_by_type, "id": record.created_by_id},
        "updated_at": rfc3339(record.updated_at),
        "expires_at": _time(record.expires_at),
        "last_used_at": _time(record.last_used_at),
        "last_used_ip": record.last_used_ip,
        "last_used_user_agent": record.last_used_user_agent,
        "suspended_at": _time(record.suspended_at),
        "revoked_at": _time(record.revoked_at),
        "rotated_from": record.rotated_from,
        "rotated_to": record.rotated_to,
        "format": record.format,
        **restrictions_view(record.limits, now),
    }


def restrictions_view(limits: Limits, now: float) -> dict[str, Any]:
    """The resource's ``allowed_ips``, ``not_before``, ``rate_limit`` and ``credits``
    (``restrictions.shown``), with ``not_before`` as RFC 3339 text."""
    return {**restrictions.shown(limits, now), "not_before": _time(limits.not_before)}


def usage_view(limits: Limits, at: float) -> dict[str, Any]:
    """A verdict's ``remaining`` (credits left) and ``rate_limit`` (its window's state), each only
    when the key has it."""
    view: dict[str, Any] = {}
    if limits.credits is not None:
        view["remaining"] = limits.credits_left(at)
    rate = limits.rate_limit
    if rate is not None:
        view["rate_limit"] = {
            "limit": rate.limit,
            "remaining": max(0, rate.limit - limits.used_in_window(at)),
            "reset_at": rfc3339(rate.resets_at(at)),
        }
    return view


def verify_answer(result: Verification) -> dict[str, Any]:
    """``{"valid": true, "code": "VALID", "key": {...}}`` or ``{"valid": false, "code": C}``."""
    record = result.record
    if record is not None and result.code == RATE_LIMITED and record.limits.rate_limit is not None:
        wait = record.limits.rate_limit.resets_at(result.at) - result.at
        retry = {"retry_after_seconds": max(1, math.ceil(wait))}
        return {"valid": False, "code": result.code, **retry, **usage_view(record.limits, result.at)}
    if record is not None and result.code == USAGE_EXCEEDED:
        return {"valid": False, "code": result.code, **usage_view(record.limits, result.at)}
    if not result.valid or record is None:
        return {"valid": False, "code": result.code}
    return {
        "valid": True,
        "code": result.code,
        "key": {
            "id": record.id,
            "tenant_id": record.tenant_id,
            "owner": {"type": record.owner_type, "id": record.owner_id},
            "scopes": list(record.scopes),
            "environment_id": record.environment_id,
            "expires_at": None if record.expires_at is None else rfc3339(record.expires_at),
            "metadata": dict(record.metadata),
        },
        **usage_view(record.limits, result.at),
    }


def authorizer_context(record: KeyRecord) -> dict[str, str]:
    """The simple response's context: strings only (API Gateway's rule), so the scopes are
    space-separated and a tenant-wide key's environment_id is the empty string."""
    return {
        "key_id": record.id,
        "tenant_id": record.tenant_id,
        "owner_type": record.owner_type,
        "owner_id": record.owner_id,
        "scopes": " ".join(record.scopes),
        "environment_id": record.environment_id or "",
    }


def principal_from_context(context: dict[str, Any]) -> dict[str, Any]:
    """GET /v1/whoami's answer from the authorizer's context (the inverse of ``authorizer_context``)."""
    environment_id = str(context.get("environment_id") or "")
    return {
        "key_id": str(context["key_id"]),
        "tenant_id": str(context["tenant_id"]),
        "owner": {"type": str(context["owner_type"]), "id": str(context["owner_id"])},
        "scopes": str(context.get("scopes") or "").split(),
        "environment_id": environment_id or None,
    }
