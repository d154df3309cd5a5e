"""The Python client's 1.1 key fields: format, restrictions and limits on create and update, verify's
cost and its limit answers, and models that read the new fields and tolerate ones they do not know."""

from __future__ import annotations

from datetime import UTC, datetime

from fake_keysmith import FakeKeysmith, Reply
from keysmith_client import (
    ApiKey,
    AuditEvent,
    Credits,
    Keysmith,
    RateLimit,
    RateLimitState,
    Refill,
    VerifyResult,
)


def client_for(fake: FakeKeysmith) -> Keysmith:
    return Keysmith(fake.url, token="session-token")


def test_create_sends_format_restrictions_and_limits_and_reads_them_back(fake: FakeKeysmith) -> None:
    created = client_for(fake).create_key(
        "metered",
        format="jwt",
        allowed_ips=["10.0.0.0/8"],
        not_before=datetime(2027, 1, 1, tzinfo=UTC),
        rate_limit=RateLimit(limit=100, window_seconds=60),
        credits=Credits(remaining=500, refill=Refill(amount=1000, interval="monthly")),
    )
    assert fake.requests[-1].json() == {
        "name": "metered",
        "format": "jwt",
        "allowed_ips": ["10.0.0.0/8"],
        "not_before": "2027-01-01T00:00:00Z",
        "rate_limit": {"limit": 100, "window_seconds": 60},
        "credits": {"remaining": 500, "refill": {"amount": 1000, "interval": "monthly"}},
    }
    assert created.format == "jwt" and created.allowed_ips == ["10.0.0.0/8"]
    assert created.not_before == datetime(2027, 1, 1, tzinfo=UTC)
    assert created.rate_limit == RateLimit(100, 60)
    assert created.credits == Credits(500, Refill(1000, "monthly"))


def test_a_create_without_restrictions_sends_none_of_them(fake: FakeKeysmith) -> None:
    created = client_for(fake).create_key("plain", credits=Credits(remaining=5))
    assert fake.requests[-1].json() == {"name": "plain", "credits": {"remaining": 5, "refill": None}}
    assert created.rate_limit is None and created.allowed_ips == [] and created.not_before is None


def test_update_replaces_and_removes_restrictions(fake: FakeKeysmith) -> None:
    client = client_for(fake)
    key = client.create_key("k", rate_limit=RateLimit(10, 1), allowed_ips=["192.0.2.0/24"])
    client.update_key(key.id, rate_limit=RateLimit(5, 60), not_before="2027-02-01T00:00:00Z")
    assert fake.requests[-1].json() == {
        "rate_limit": {"limit": 5, "window_seconds": 60},
        "not_before": "2027-02-01T00:00:00Z",
    }
    cleared = client.update_key(key.id, allowed_ips=[], not_before=None, rate_limit=None, credits=None)
    assert fake.requests[-1].method == "PATCH"
    assert fake.requests[-1].json() == {
        "allowed_ips": [],
        "not_before": None,
        "rate_limit": None,
        "credits": None,
    }
    assert cleared.allowed_ips == [] and cleared.rate_limit is None and cleared.not_before is None


def test_rotate_sends_the_successors_format(fake: FakeKeysmith) -> None:
    client = client_for(fake)
    key = client.create_key("k")
    client.rotate_key(key.id, format="jwt")
    assert fake.requests[-1].json() == {"format": "jwt"}


def test_verify_sends_cost_and_reads_credits_and_the_rate_limit(fake: FakeKeysmith) -> None:
    client = client_for(fake)
    key = client.create_key("k", rate_limit=RateLimit(2, 3600), credits=Credits(remaining=10))
    secret = key.key or ""

    first = client.verify(secret, cost=3)
    assert fake.requests[-1].json() == {"key": secret, "cost": 3}
    assert first.valid and first.remaining == 7
    assert first.rate_limit is not None and (first.rate_limit.limit, first.rate_limit.remaining) == (2, 1)
    assert first.rate_limit.reset_at is not None and first.rate_limit.reset_at > datetime.now(UTC)

    free = client.verify(secret, cost=0)
    assert fake.requests[-1].json() == {"key": secret, "cost": 0}, "cost 0 is sent, not dropped"
    assert free.valid and free.remaining == 7

    limited = client.verify(secret)
    assert not limited.valid and limited.code == "RATE_LIMITED" and limited.key is None
    assert limited.retry_after_seconds is not None and 1 <= limited.retry_after_seconds <= 3600
    assert limited.rate_limit is not None and limited.rate_limit.remaining == 0
    assert limited.remaining == 7


def test_usage_exceeded_carries_the_credits_left(fake: FakeKeysmith) -> None:
    client = client_for(fake)
    secret = client.create_key("k", credits=Credits(remaining=2)).key or ""
    exceeded = client.verify(secret, cost=5)
    assert (exceeded.valid, exceeded.code, exceeded.remaining) == (False, "USAGE_EXCEEDED", 2)
    assert exceeded.retry_after_seconds is None and exceeded.rate_limit is None


def test_not_yet_valid_and_ip_not_allowed(fake: FakeKeysmith) -> None:
    client = client_for(fake)
    later = client.create_key("later", not_before="2099-01-01T00:00:00Z").key or ""
    assert client.verify(later).code == "NOT_YET_VALID"
    fenced = client.create_key("fenced", allowed_ips=["192.0.2.0/24"]).key or ""
    assert client.verify(fenced, client_ip="198.51.100.1").code == "IP_NOT_ALLOWED"
    assert client.verify(fenced, client_ip="192.0.2.9").valid


def test_models_read_the_answer_and_tolerate_fields_they_do_not_know() -> None:
    answer = {
        "id": "3c90c3cc-0d44-8b50-a888-8dd25736052a",
        "name": "k",
        "status": "active",
        "credits": {"remaining": 4, "refill": {"amount": 9, "interval": "daily", "next_at": "x"}},
        "rate_limit": {"limit": 3, "window_seconds": 10, "burst": 5},
        "a_field_of_a_later_version": {"nested": True},
    }
    key = ApiKey.from_json(answer)
    assert key.format == "opaque", "a key stored before formats existed reads opaque"
    assert key.credits == Credits(4, Refill(9, "daily")) and key.rate_limit == RateLimit(3, 10)
    assert key.raw["a_field_of_a_later_version"] == {"nested": True}

    verdict = VerifyResult.from_json(
        {
            "valid": False,
            "code": "RATE_LIMITED",
            "retry_after_seconds": 12,
            "rate_limit": {"limit": 3, "remaining": 0, "reset_at": "2026-11-30T10:00:12Z", "new": 1},
            "remaining": 4,
            "advice": "slow down",
        }
    )
    assert verdict.retry_after_seconds == 12 and verdict.remaining == 4
    assert verdict.rate_limit == RateLimitState(3, 0, datetime(2026, 11, 30, 10, 0, 12, tzinfo=UTC))
    assert verdict.raw["advice"] == "slow down"

    event = AuditEvent.from_json(
        {"id": "e", "action": "update", "changes": ["not", "a", "map"], "actor": {"type": "iam", "id": "arn"}}
    )
    assert event.changes == {} and str(event.actor) == "iam:arn" and event.occurred_at is None


def test_an_answer_with_a_new_verify_code_still_reads(fake: FakeKeysmith) -> None:
    fake.queue(Reply(200, {"valid": False, "code": "SOMETHING_NEW"}))
    result = client_for(fake).verify("ks_x")
    assert not result.valid and result.code == "SOMETHING_NEW" and result.remaining is None
