"""Restrictions and usage limits of a key: where (``allowed_ips``), from when (``not_before``), how
often (``rate_limit``) and how much (``credits``) it may be used. Standard library only.

The counters live on the key's item under names that say which window or refill period they count,
so that one conditional write counts and spends without knowing what the item holds now:

- ``rlc_<window_seconds>_<n>``: verifications admitted in the ``n``-th window of that length since
  1970-01-01T00:00:00Z (fixed windows, aligned to the epoch). A new window is a new name, so the
  first verification of a window starts its count at 0 whatever the racers do.
- ``crl_<period>``: credits left in a refill period: ``n`` (no refill), ``d<days since the epoch>``
  (daily, from 00:00 UTC) or ``m<year><month>`` (monthly, from the 1st). A period that has no such
  attribute yet has the refill amount left: a refill is applied once, by the first write of the
  period, however many verifications race on it.

The store renders the write (``keysmith.store.limits``); this module names the counters and reads
them back.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

MAX_ALLOWED_IPS = 50
MAX_RATE_LIMIT = 1_000_000
MAX_WINDOW_SECONDS = 86_400
MAX_CREDITS = 10**12
DAILY, MONTHLY = "daily", "monthly"
INTERVALS = (DAILY, MONTHLY)
RATE_COUNTER_PREFIX = "rlc_"
CREDIT_COUNTER_PREFIX = "crl_"
COUNTER_PREFIXES = (RATE_COUNTER_PREFIX, CREDIT_COUNTER_PREFIX)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``limit`` valid verifications per fixed window of ``window_seconds``."""

    limit: int
    window_seconds: int

    def window(self, now: float) -> int:
        return math.floor(now) // self.window_seconds

    def counter(self, now: float) -> str:
        return f"{RATE_COUNTER_PREFIX}{self.window_seconds}_{self.window(now)}"

    def plain(self) -> dict[str, int]:
        """As stored and as the API shows it."""
        return {"limit": self.limit, "window_seconds": self.window_seconds}

    def resets_at(self, now: float) -> int:
        """When the current window ends (the next one starts), in epoch seconds."""
        return (self.window(now) + 1) * self.window_seconds


@dataclass(frozen=True, slots=True)
class Credits:
    """What a key's credits are refilled with: ``amount`` every ``interval``, or no refill (None)."""

    refill_amount: int | None = None
    refill_interval: str | None = None

    def period(self, now: float) -> str:
        if self.refill_interval == DAILY:
            return f"d{math.floor(now) // 86_400}"
        if self.refill_interval == MONTHLY:
            day = datetime.fromtimestamp(math.floor(now), UTC)
            return f"m{day.year:04d}{day.month:02d}"
        return "n"

    def counter(self, now: float) -> str:
        return CREDIT_COUNTER_PREFIX + self.period(now)

    def period_start(self, now: float) -> int:
        """When the refill period of ``now`` began (0 without a refill: one period forever)."""
        if self.refill_interval == DAILY:
            return math.floor(now) // 86_400 * 86_400
        if self.refill_interval == MONTHLY:
            day = datetime.fromtimestamp(math.floor(now), UTC)
            return int(datetime(day.year, day.month, 1, tzinfo=UTC).timestamp())
        return 0

    def next_refill(self, now: float) -> int | None:
        """When the next refill applies, in epoch seconds (None without a refill)."""
        if self.refill_interval == DAILY:
            return (math.floor(now) // 86_400 + 1) * 86_400
        if self.refill_interval == MONTHLY:
            day = datetime.fromtimestamp(math.floor(now), UTC)
            year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
            return int(datetime(year, month, 1, tzinfo=UTC).timestamp())
        return None


@dataclass(frozen=True, slots=True)
class Limits:
    """A key's restrictions and limits as stored (``KeyRecord.limits``); empty when unset."""

    allowed_ips: tuple[str, ...] = ()
    not_before: float | None = None
    rate_limit: RateLimit | None = None
    credits: Credits | None = None
    counters: Mapping[str, int] | None = None  # rlc_*/crl_* as read; None when not read

    @property
    def metered(self) -> bool:
        """Does a valid verification count or spend (so it is one conditional write)?"""
        return self.rate_limit is not None or self.credits is not None

    def used_in_window(self, now: float) -> int:
        if self.rate_limit is None:
            return 0
        return int((self.counters or {}).get(self.rate_limit.counter(now), 0))

    def credits_left(self, now: float) -> int | None:
        """Credits left at ``now``: the period's counter, or the refill amount in a period not yet
        written (None for a key without credits)."""
        counter = self.credits_counter(now)
        if counter is None or self.credits is None:
            return None
        left = counter[1]
        return left if left is not None else int(self.credits.refill_amount or 0)

    def credits_counter(self, now: float) -> tuple[str, int | None] | None:
        """The counter that holds the credits left at ``now`` and its stored count (None: not yet
        written in this period); None for a key without credits."""
        if self.credits is None:
            return None
        name = self.credits.counter(now)
        count = (self.counters or {}).get(name)
        return name, None if count is None else int(count)

    def stale_counters(self, now: float) -> tuple[str, ...]:
        """Counters of windows and periods before the previous one (or of limits the key no longer
        has), to remove. The previous window's and period's stay: a container whose clock is a
        little behind may still be counting in them, and must not find them gone (and start again)."""
        current = set()
        if self.rate_limit is not None:
            current.add(self.rate_limit.counter(now))
            current.add(self.rate_limit.counter(now - self.rate_limit.window_seconds))
        if self.credits is not None:
            current.add(self.credits.counter(now))
            current.add(self.credits.counter(self.credits.period_start(now) - 1))
        return tuple(sorted(name for name in (self.counters or {}) if name not in current))


# --- IP ranges -----------------------------------------------------------------------------------


def parse_range(text: object) -> tuple[Network | None, str]:
    """The network of one CIDR range (a bare address is a /32 or /128), or None with the reason."""
    if not isinstance(text, str):
        return None, "Must be a string: an IPv4 or IPv6 CIDR range."
    if "%" in text:
        return None, "IPv6 zone ids (%...) are not allowed in a range."
    address, slash, length = text.partition("/")
    if slash and not (length.isascii() and length.isdigit() and len(length) <= 3):
        return None, "The prefix length must be a whole number (0-32 for IPv4, 0-128 for IPv6)."
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None, "Must be an IPv4 or IPv6 CIDR range such as 203.0.113.0/24 or 2001:db8::/32."
    if slash and int(length) > ip.max_prefixlen:
        return None, f"The prefix length must be 0-{ip.max_prefixlen} for IPv{ip.version}."
    try:
        return ipaddress.ip_network(text, strict=True), ""
    except ValueError:
        return None, "Host bits are set: the address must be the first of its range (e.g. 10.1.0.0/16)."


def contains(networks: Iterable[str], client_ip: str | None) -> bool:
    """Is ``client_ip`` inside one of ``networks``? An IPv4-mapped IPv6 address (``::ffff:a.b.c.d``)
    is its IPv4 address, and an IPv4 address also matches a range of mapped addresses."""
    if not client_ip:
        return False
    try:
        ip = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        candidates.append(ip.ipv4_mapped)
    elif isinstance(ip, ipaddress.IPv4Address):
        candidates.append(ipaddress.IPv6Address(f"::ffff:{ip}"))
    for text in networks:
        network = ipaddress.ip_network(text)
        if any(candidate.version == network.version and candidate in network for candidate in candidates):
            return True
    return False


def within(inner: str, outer: Iterable[str]) -> bool:
    """Is the range ``inner`` inside one of the ranges ``outer`` (rule 7: narrowing)?"""
    network = ipaddress.ip_network(inner)
    for text in outer:
        other = ipaddress.ip_network(text)
        if network.version == other.version and network.subnet_of(other):  # type: ignore[arg-type]
            return True
    return False


def with_credits_left(limits: Limits, remaining: int | None, now: float) -> Limits:
    """``limits`` whose counters say ``remaining`` credits are left in the period of ``now`` (none
    without credits): what create, PATCH and rotation store."""
    counters = {limits.credits.counter(now): int(remaining or 0)} if limits.credits is not None else {}
    return replace(limits, counters=counters)


def starts_at(not_before: float) -> float:
    """A ``not_before`` as stored: whole seconds, rounded up (never earlier than asked)."""
    return float(math.ceil(not_before))


def check_starts_before_expiry(not_before: float | None, expires_at: float | None) -> str | None:
    """Why ``not_before`` cannot go with ``expires_at`` (a key valid at no instant), or None."""
    if not_before is not None and expires_at is not None and not_before >= expires_at:
        return "Must be before expires_at (the key would never be valid)."
    return None


FIELDS = ("allowed_ips", "not_before", "rate_limit", "credits")


def plain_values(limits: Limits, fields: Iterable[str] = FIELDS) -> dict[str, Any]:
    """The stored form of ``fields`` of ``limits`` as plain values (text, numbers, tuples, maps),
    None for an unset one (a PATCH removes it). Counters are not among them."""
    rate, credits = limits.rate_limit, limits.credits
    values: dict[str, Any] = {
        "allowed_ips": limits.allowed_ips or None,
        "not_before": limits.not_before,
        "rate_limit": None if rate is None else rate.plain(),
        "credits": None
        if credits is None
        else {}
        if credits.refill_amount is None
        else {"refill_amount": credits.refill_amount, "refill_interval": credits.refill_interval},
    }
    return {name: values[name] for name in fields}


def applied(limits: Limits, sets: Mapping[str, Any], remove: Iterable[str]) -> Limits:
    """``limits`` after a write that sets ``sets`` (restriction fields in their ``plain_values`` form,
    and counters) and removes ``remove``: the inverse of ``plain_values``, for the key as written."""
    removed = set(remove)
    values = {name: sets.get(name) for name in FIELDS if name in sets or name in removed}
    rate, credits = values.get("rate_limit"), values.get("credits")
    changed: dict[str, Any] = {}
    if "allowed_ips" in values:
        changed["allowed_ips"] = tuple(values["allowed_ips"] or ())
    if "not_before" in values:
        changed["not_before"] = values["not_before"]
    if "rate_limit" in values:
        changed["rate_limit"] = None if rate is None else RateLimit(rate["limit"], rate["window_seconds"])
    if "credits" in values:
        changed["credits"] = (
            None if credits is None else Credits(credits.get("refill_amount"), credits.get("refill_interval"))
        )
    counters = {name: value for name, value in sets.items() if name.startswith(COUNTER_PREFIXES)}
    if counters:
        changed["counters"] = {**(limits.counters or {}), **counters}
    return replace(limits, **changed) if changed else limits


def shown(limits: Limits, now: float) -> dict[str, Any]:
    """The four restriction fields as the ApiKey resource and its audit events show them (``[]`` or
    None when unset; ``not_before`` in epoch seconds), ``credits.remaining`` as of ``now`` (a refill
    due is counted in)."""
    rate, credits = limits.rate_limit, limits.credits
    return {
        "allowed_ips": list(limits.allowed_ips),
        "not_before": limits.not_before,
        "rate_limit": None if rate is None else rate.plain(),
        "credits": None
        if credits is None
        else {
            "remaining": limits.credits_left(now),
            "refill": None
            if credits.refill_amount is None
            else {"amount": credits.refill_amount, "interval": credits.refill_interval},
        },
    }
