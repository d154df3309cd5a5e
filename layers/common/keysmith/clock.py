"""Time, in one place: RFC 3339 UTC text with ``Z`` and epoch seconds. ``now`` is the real clock;
code asks ``keysmith.wiring.now()``, which tests replace with ``wiring.replace(now=...)``."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")


def now() -> float:
    return time.time()


def rfc3339(epoch: float) -> str:
    """Second-precision RFC 3339 in UTC, e.g. ``2026-11-22T10:00:00Z``."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sort_stamp(epoch: float) -> str:
    """Microsecond-precision sortable stamp for index sort keys (never shown to clients)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> float:
    """Epoch seconds of an RFC 3339 date-time with ``Z`` or an offset; ValueError otherwise."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError("not an RFC 3339 date-time with Z or an offset")
    fraction = (match.group(7) or "")[:7]  # datetime keeps microseconds
    offset = match.group(8)
    zone = "+00:00" if offset in ("Z", "z") else offset
    stamp = f"{text[:10]}T{text[11:19]}{fraction}{zone}"
    return datetime.fromisoformat(stamp).timestamp()  # ValueError for impossible dates
