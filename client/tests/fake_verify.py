"""The in-test Keysmith's verification: the API's order of checks, with restrictions and limits.

Status, ``not_before``, ``allowed_ips`` (against ``client_ip``, else 127.0.0.1), environment, scopes,
then the rate limit (fixed windows aligned to the epoch, only VALID answers count) and credits (a
VALID answer spends ``cost``, default 1; fewer than ``max(cost, 1)`` left is ``USAGE_EXCEEDED``),
answered with the members the API adds: ``remaining``, ``rate_limit`` and ``retry_after_seconds``.
"""

from __future__ import annotations

import ipaddress
import math
import time
from datetime import UTC, datetime
from typing import Any

VERIFIED_FIELDS = ("id", "tenant_id", "owner", "scopes", "environment_id", "expires_at", "metadata")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _refusal(resource: dict[str, Any], body: dict[str, Any]) -> str | None:
    """The code of the first check before the limits that fails, or None."""
    if resource["status"] != "active":
        return str(resource["status"]).upper()
    not_before = resource.get("not_before")
    if not_before and _time(not_before) > datetime.now(UTC):
        return "NOT_YET_VALID"
    ranges = resource.get("allowed_ips") or []
    address = ipaddress.ip_address(body.get("client_ip") or "127.0.0.1")
    if ranges and not any(address in ipaddress.ip_network(cidr) for cidr in ranges):
        return "IP_NOT_ALLOWED"
    environment = body.get("environment_id")
    if environment and resource.get("environment_id") not in (None, environment):
        return "WRONG_ENVIRONMENT"
    if not set(body.get("required_scopes") or []) <= set(resource["scopes"]):
        return "INSUFFICIENT_SCOPE"
    return None


class Verifier:
    """Counts each key's VALID answers per rate-limit window (``counts``) between requests."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, int, int], int] = {}

    def answer(self, resource: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        code = _refusal(resource, body)
        if code is not None:
            return {"valid": False, "code": code}
        limit, credits = resource.get("rate_limit"), resource.get("credits")
        cost = 1 if body.get("cost") is None else int(body["cost"])
        extra: dict[str, Any] = {}
        window: tuple[str, int, int] | None = None
        if limit is not None:
            now, seconds = time.time(), int(limit["window_seconds"])
            window = (resource["id"], seconds, int(now // seconds))
            used = self.counts.get(window, 0)
            reset = (window[2] + 1) * seconds
            extra["rate_limit"] = {
                "limit": limit["limit"],
                "remaining": max(limit["limit"] - used, 0),
                "reset_at": datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            if used >= limit["limit"]:
                if credits is not None:
                    extra["remaining"] = credits["remaining"]
                retry = max(1, math.ceil(reset - now))
                return {"valid": False, "code": "RATE_LIMITED", "retry_after_seconds": retry, **extra}
        if credits is not None:
            if credits["remaining"] < max(cost, 1):
                return {"valid": False, "code": "USAGE_EXCEEDED", "remaining": credits["remaining"], **extra}
            credits["remaining"] -= cost
            extra["remaining"] = credits["remaining"]
        if window is not None:
            self.counts[window] = self.counts.get(window, 0) + 1
            extra["rate_limit"]["remaining"] -= 1
        key = {name: resource.get(name) for name in VERIFIED_FIELDS}
        return {"valid": True, "code": "VALID", "key": key, **extra}
