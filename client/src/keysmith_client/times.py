"""Times as the API writes them: RFC 3339 in UTC with ``Z``, read as timezone-aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (``2026-11-22T10:00:00Z``) as an aware datetime; None stays None."""
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))


def format_time(value: datetime | str) -> str:
    """A datetime as the API writes it (UTC, whole seconds, ``Z``); a string is sent as it is."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("a time sent to the API must be timezone-aware (use datetime.now(UTC) + ...)")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
