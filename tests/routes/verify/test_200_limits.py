"""POST /v1/verify on keys with restrictions and usage limits: each code in the order of checks,
the answer's ``remaining`` and ``rate_limit``, ``cost``, and an IPv4-mapped client address."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keysmith.clock import rfc3339
from tests.support.client import Client as Api
from tests.support.client import frozen
from tests.support.verification import admin_key, verify

WINDOW_START = 1_800_000_000.0  # a multiple of 3600 and 60: the start of a window of either


def verdict(api: Api, key: str, **body: Any) -> dict[str, Any]:
    reply = verify(api, {"key": key, **body})
    assert reply.status == 200, reply.text
    return dict(reply.body)


def test_a_key_with_credits_spends_its_cost_and_says_what_is_left(api: Api) -> None:
    key = admin_key(api, credits={"remaining": 5, "refill": None})["key"]
    first = verdict(api, key)
    assert first["valid"] is True and first["remaining"] == 4 and "rate_limit" not in first
    assert verdict(api, key, cost=3)["remaining"] == 1
    assert verdict(api, key, cost=0)["remaining"] == 1  # a check: nothing spent
    refused = verdict(api, key, cost=2)
    assert refused == {"valid": False, "code": "USAGE_EXCEEDED", "remaining": 1}
    assert verdict(api, key)["remaining"] == 0
    assert verdict(api, key, cost=0) == {"valid": False, "code": "USAGE_EXCEEDED", "remaining": 0}


def test_a_rate_limited_key_counts_each_valid_answer_and_says_when_to_retry(api: Api) -> None:
    frozen(WINDOW_START + 10)
    key = admin_key(api, rate_limit={"limit": 2, "window_seconds": 60})["key"]
    reset_at = rfc3339(WINDOW_START + 60)
    first = verdict(api, key)
    assert first["rate_limit"] == {"limit": 2, "remaining": 1, "reset_at": reset_at}
    assert "remaining" not in first
    assert verdict(api, key)["rate_limit"]["remaining"] == 0
    refused = verdict(api, key, cost=0)  # cost is about credits: the window is full all the same
    assert refused == {
        "valid": False,
        "code": "RATE_LIMITED",
        "retry_after_seconds": 50,
        "rate_limit": {"limit": 2, "remaining": 0, "reset_at": reset_at},
    }
    frozen(WINDOW_START + 60)  # the next window
    assert verdict(api, key)["rate_limit"] == {
        "limit": 2,
        "remaining": 1,
        "reset_at": rfc3339(WINDOW_START + 120),
    }


def test_the_rate_limit_is_checked_before_credits_and_a_refusal_spends_nothing(api: Api) -> None:
    frozen(WINDOW_START)
    created = admin_key(api, rate_limit={"limit": 1, "window_seconds": 3600}, credits={"remaining": 3})
    assert verdict(api, created["key"])["remaining"] == 2
    refused = verdict(api, created["key"])
    assert refused["code"] == "RATE_LIMITED" and refused["remaining"] == 2
    token = api.session("u_1", "acme", ["admin"])
    assert api.get_key(token, created["id"]).body["credits"] == {"remaining": 2, "refill": None}


def test_not_before_comes_after_status_and_before_the_ip_check(api: Api) -> None:
    later = rfc3339(time.time() + 3600)
    created = admin_key(api, not_before=later, allowed_ips=["192.0.2.0/24"])
    assert verdict(api, created["key"], client_ip="198.51.100.1")["code"] == "NOT_YET_VALID"
    token = api.session("u_1", "acme", ["admin"])
    assert api.suspend_key(token, created["id"]).status == 200
    assert verdict(api, created["key"])["code"] == "SUSPENDED"
    shown = api.get_key(token, created["id"]).body
    assert shown["not_before"] == later


@pytest.mark.parametrize(
    ("client_ip", "code"),
    [
        ("192.0.2.77", "VALID"),
        ("::ffff:192.0.2.77", "VALID"),  # IPv4-mapped IPv6 matches its IPv4 range
        ("2001:db8:0:1::5", "VALID"),
        ("192.0.3.1", "IP_NOT_ALLOWED"),
        ("::ffff:192.0.3.1", "IP_NOT_ALLOWED"),
        ("2001:db9::1", "IP_NOT_ALLOWED"),
    ],
)
def test_allowed_ips_match_the_client_address(api: Api, client_ip: str, code: str) -> None:
    key = admin_key(api, allowed_ips=["192.0.2.0/24", "2001:db8::/48"])["key"]
    assert verdict(api, key, client_ip=client_ip)["code"] == code


def test_without_client_ip_the_requests_own_source_address_is_checked(api: Api) -> None:
    # the in-process gateway sends from tests.helpers.SOURCE_IP, 203.0.113.9
    assert verdict(api, admin_key(api, allowed_ips=["203.0.113.0/24"])["key"])["valid"] is True
    assert verdict(api, admin_key(api, allowed_ips=["198.51.100.0/24"])["key"])["code"] == "IP_NOT_ALLOWED"


def test_the_ip_check_comes_before_environment_and_scopes(api: Api) -> None:
    key = admin_key(api, allowed_ips=["192.0.2.0/24"], environment_id="env_prod", scopes=["read"])["key"]
    body = {"client_ip": "198.51.100.1", "environment_id": "env_dev", "required_scopes": ["write"]}
    assert verdict(api, key, **body)["code"] == "IP_NOT_ALLOWED"
    assert verdict(api, key, **{**body, "client_ip": "192.0.2.1"})["code"] == "WRONG_ENVIRONMENT"


def test_a_daily_refill_sets_remaining_to_its_amount_at_midnight_utc(api: Api) -> None:
    midnight = 1_800_057_600.0  # 2027-01-15T00:00:00Z
    frozen(midnight - 10)
    created = admin_key(api, credits={"remaining": 1, "refill": {"amount": 3, "interval": "daily"}})
    assert verdict(api, created["key"])["remaining"] == 0
    assert verdict(api, created["key"])["code"] == "USAGE_EXCEEDED"
    frozen(midnight)
    assert [verdict(api, created["key"]).get("remaining") for _ in range(4)] == [2, 1, 0, 0]


def test_a_monthly_refill_applies_on_the_first(api: Api) -> None:
    first_of_february = 1_801_440_000.0  # 2027-02-01T00:00:00Z
    frozen(first_of_february - 86_400)
    created = admin_key(api, credits={"remaining": 0, "refill": {"amount": 2, "interval": "monthly"}})
    assert verdict(api, created["key"])["code"] == "USAGE_EXCEEDED"
    frozen(first_of_february + 5)
    assert verdict(api, created["key"])["remaining"] == 1


def test_verify_records_last_used_with_the_metered_write(api: Api) -> None:
    created = admin_key(api, credits={"remaining": 10})
    assert verdict(api, created["key"], client_ip="192.0.2.4", user_agent="svc/1")["valid"] is True
    shown = api.get_key(api.session("u_1", "acme", ["admin"]), created["id"]).body
    assert shown["last_used_ip"] == "192.0.2.4" and shown["last_used_user_agent"] == "svc/1"
    assert shown["last_used_at"] is not None
