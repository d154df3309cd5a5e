"""The restriction rules without I/O: CIDR ranges, the client-address match (IPv4-mapped IPv6
included), the counters' names for windows and refill periods, what is left at a given moment, and
rule 7's narrowing comparison."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from keysmith.domain import restrictions
from keysmith.domain.policy import widened_restriction
from keysmith.domain.restrictions import DAILY, MONTHLY, Credits, Limits, RateLimit


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("192.0.2.0/24", "192.0.2.0/24"),
        ("192.0.2.7", "192.0.2.7/32"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("2001:DB8::/32", "2001:db8::/32"),
        ("::ffff:192.0.2.0/120", "::ffff:192.0.2.0/120"),
        ("::/0", "::/0"),
    ],
)
def test_a_range_is_read_in_its_canonical_form(text: str, normal: str) -> None:
    network, reason = restrictions.parse_range(text)
    assert network is not None and str(network) == normal and reason == ""


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("10.1.2.3/16", "Host bits"),
        ("10.0.0.0/33", "0-32"),
        ("2001:db8::/129", "0-128"),
        ("10.0.0.0/x", "whole number"),
        ("10.0.0.0/+8", "whole number"),
        ("fe80::%eth0/64", "zone"),
        ("10.0.0/8", "CIDR"),
        ("", "CIDR"),
        (7, "string"),
    ],
)
def test_a_bad_range_says_why(text: object, words: str) -> None:
    network, reason = restrictions.parse_range(text)
    assert network is None and words in reason


@pytest.mark.parametrize(
    ("client", "inside"),
    [
        ("192.0.2.1", True),
        ("::ffff:192.0.2.1", True),
        ("::ffff:c000:201", True),
        ("192.0.3.1", False),
        ("2001:db8::1", True),
        ("2001:db9::1", False),
        (None, False),
        ("not an address", False),
    ],
)
def test_a_client_address_is_matched_by_version_and_mapped_form(client: str | None, inside: bool) -> None:
    assert restrictions.contains(("192.0.2.0/24", "2001:db8::/32"), client) is inside


def test_an_ipv4_client_matches_a_range_of_mapped_addresses() -> None:
    assert restrictions.contains(("::ffff:192.0.2.0/120",), "192.0.2.9")
    assert not restrictions.contains(("::ffff:192.0.2.0/120",), "192.0.3.9")


def test_windows_are_aligned_to_the_epoch_and_named_by_their_length() -> None:
    rate = RateLimit(10, 60)
    assert rate.counter(at("2027-01-15T10:00:59")) == rate.counter(at("2027-01-15T10:00:00"))
    assert rate.counter(at("2027-01-15T10:01:00")) != rate.counter(at("2027-01-15T10:00:59"))
    assert rate.resets_at(at("2027-01-15T10:00:30")) == at("2027-01-15T10:01:00")
    assert RateLimit(10, 3600).counter(0) != RateLimit(10, 60).counter(0)  # a new length counts afresh


def test_refill_periods_turn_at_midnight_utc_and_on_the_first() -> None:
    daily, monthly = Credits(5, DAILY), Credits(5, MONTHLY)
    assert daily.period(at("2027-01-15T23:59:59")) != daily.period(at("2027-01-16T00:00:00"))
    assert monthly.period(at("2027-01-31T23:59:59")) == "m202701"
    assert monthly.period(at("2027-02-01T00:00:00")) == "m202702"
    assert monthly.next_refill(at("2027-12-15T12:00:00")) == at("2028-01-01T00:00:00")
    assert daily.next_refill(at("2027-01-15T12:00:00")) == at("2027-01-16T00:00:00")
    assert Credits().period(0) == "n" and Credits().next_refill(0) is None
    assert monthly.period_start(at("2027-03-31T12:00:00")) == at("2027-03-01T00:00:00")


def test_what_is_left_counts_a_due_refill_in() -> None:
    now = at("2027-01-15T12:00:00")
    credits = Credits(100, DAILY)
    limits = restrictions.with_credits_left(Limits(credits=credits), 3, now)
    assert limits.credits_left(now) == 3
    assert limits.credits_left(now + 86_400) == 100  # the next day: the refill, not yet written
    assert limits.stale_counters(now + 86_400) == ()  # yesterday's stays: a late clock may count in it
    assert limits.stale_counters(now + 2 * 86_400) == (credits.counter(now),)
    assert Limits().credits_left(now) is None


STORED = Limits(
    allowed_ips=("192.0.2.0/24",),
    not_before=1000.0,
    rate_limit=RateLimit(100, 60),
    credits=Credits(500, DAILY),
    counters={Credits(500, DAILY).counter(0): 50},
)


@pytest.mark.parametrize(
    ("new", "given", "widens"),
    [
        (Limits(allowed_ips=("192.0.2.0/25",)), {"allowed_ips"}, False),
        (Limits(allowed_ips=("192.0.0.0/16",)), {"allowed_ips"}, True),
        (Limits(), {"allowed_ips"}, True),
        (Limits(not_before=2000.0), {"not_before"}, False),
        (Limits(not_before=999.0), {"not_before"}, True),
        (Limits(rate_limit=RateLimit(100, 120)), {"rate_limit"}, False),
        (Limits(rate_limit=RateLimit(101, 120)), {"rate_limit"}, True),
        (Limits(rate_limit=RateLimit(50, 30)), {"rate_limit"}, True),
        (restrictions.with_credits_left(Limits(credits=Credits(500, MONTHLY)), 50, 0), {"credits"}, False),
        (restrictions.with_credits_left(Limits(credits=Credits(500, DAILY)), 51, 0), {"credits"}, True),
        (restrictions.with_credits_left(Limits(credits=Credits()), 0, 0), {"credits"}, False),
        (Limits(), {"credits"}, True),
        (Limits(), set(), False),  # nothing given: nothing changes
    ],
)
def test_rule_7_tells_narrowing_from_widening(new: Limits, given: set[str], widens: bool) -> None:
    assert (widened_restriction(STORED, new, frozenset(given), 0) is not None) is widens


def test_rule_7_lets_anything_narrow_a_key_without_restrictions() -> None:
    assert widened_restriction(Limits(), STORED, frozenset(restrictions.FIELDS), 0) is None
