"""`keys create` / `keys update`: the 1.1 restriction options as the request body the server receives."""

from __future__ import annotations

import pytest

from fake_keysmith import FakeKeysmith
from test_cli import keysmith, logged_in


def test_create_sends_format_restrictions_and_limits(fake: FakeKeysmith) -> None:
    logged_in(fake)
    run = keysmith(
        "keys",
        "create",
        "--name",
        "limited",
        "--format",
        "jwt",
        "--allowed-ip",
        "10.0.0.0/8",
        "--allowed-ip",
        "2001:db8::/32",
        "--not-before",
        "2027-01-01T00:00:00Z",
        "--rate-limit",
        "100/60",
        "--credits",
        "500",
        "--refill",
        "1000/daily",
    )
    body = fake.requests[-1].json()
    assert run.code == 0
    assert body["format"] == "jwt"
    assert body["allowed_ips"] == ["10.0.0.0/8", "2001:db8::/32"]
    assert body["not_before"] == "2027-01-01T00:00:00Z"
    assert body["rate_limit"] == {"limit": 100, "window_seconds": 60}
    assert body["credits"]["remaining"] == 500
    assert body["credits"]["refill"] == {"amount": 1000, "interval": "daily"}


@pytest.mark.parametrize(
    "option",
    [
        ["--rate-limit", "100"],
        ["--rate-limit", "x/60"],
        ["--credits", "5", "--refill", "10/weekly"],
        ["--refill", "10/daily"],
    ],
)
def test_create_rejects_bad_limits_as_usage_errors(fake: FakeKeysmith, option: list[str]) -> None:
    logged_in(fake)
    before = len(fake.requests)
    run = keysmith("keys", "create", "--name", "bad", *option)
    assert run.code == 2 and len(fake.requests) == before


def test_update_clear_options_send_empty_list_and_nulls(fake: FakeKeysmith) -> None:
    logged_in(fake)
    key = fake.add_key("limited")
    run = keysmith(
        "keys",
        "update",
        key["id"],
        "--clear-allowed-ips",
        "--clear-not-before",
        "--clear-rate-limit",
        "--clear-credits",
    )
    body = fake.requests[-1].json()
    assert run.code == 0 and fake.requests[-1].method == "PATCH"
    assert body == {"allowed_ips": [], "not_before": None, "rate_limit": None, "credits": None}
