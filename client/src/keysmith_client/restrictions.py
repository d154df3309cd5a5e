"""A key's restrictions and limits as the API shows them, and a verification's view of its rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .times import parse_time


@dataclass(frozen=True)
class RateLimit:
    """A key's rate limit: at most ``limit`` valid verifications per fixed window of ``window_seconds``."""

    limit: int
    window_seconds: int

    @classmethod
    def from_json(cls, data: Any) -> RateLimit | None:
        if not isinstance(data, dict):
            return None
        return cls(limit=int(data.get("limit", 0)), window_seconds=int(data.get("window_seconds", 0)))

    def to_json(self) -> dict[str, Any]:
        return {"limit": self.limit, "window_seconds": self.window_seconds}


@dataclass(frozen=True)
class Refill:
    """Credits set back to ``amount`` at 00:00 UTC (``daily``) or on the 1st (``monthly``)."""

    amount: int
    interval: str

    def to_json(self) -> dict[str, Any]:
        return {"amount": self.amount, "interval": self.interval}


@dataclass(frozen=True)
class Credits:
    """A key's usage credits: each valid verification spends its cost; at 0 it is ``USAGE_EXCEEDED``."""

    remaining: int
    refill: Refill | None = None

    @classmethod
    def from_json(cls, data: Any) -> Credits | None:
        if not isinstance(data, dict):
            return None
        refill = data.get("refill")
        return cls(
            remaining=int(data.get("remaining", 0)),
            refill=(
                Refill(amount=int(refill.get("amount", 0)), interval=str(refill.get("interval", "")))
                if isinstance(refill, dict)
                else None
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {"remaining": self.remaining, "refill": None if self.refill is None else self.refill.to_json()}


@dataclass(frozen=True)
class RateLimitState:
    """A verification's view of the key's rate limit: ``remaining`` in the window ending at ``reset_at``."""

    limit: int
    remaining: int
    reset_at: datetime | None

    @classmethod
    def from_json(cls, data: Any) -> RateLimitState | None:
        if not isinstance(data, dict):
            return None
        return cls(
            limit=int(data.get("limit", 0)),
            remaining=int(data.get("remaining", 0)),
            reset_at=parse_time(data.get("reset_at")),
        )
