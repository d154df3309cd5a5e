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


def test_update_replaces_limits_and_get_shows_them(fake: FakeKeysmith) -> None:
    logged_in(fake)
    key = fake.add_key("limited")
    run = keysmith(
        "keys", "update", key["id"], "--rate-limit", "5/1", "--credits", "20", "--allowed-ip", "192.0.2.0/24"
    )
    assert run.code == 0
    assert fake.requests[-1].json() == {
        "allowed_ips": ["192.0.2.0/24"],
        "rate_limit": {"limit": 5, "window_seconds": 1},
        "credits": {"remaining": 20, "refill": None},
    }
    shown = keysmith("keys", "get", key["id"]).out
    rows = dict(line.split(None, 1) for line in shown.splitlines())
    assert rows["rate_limit"] == "5 per 1 s" and rows["credits"] == "20 left"
    assert rows["allowed_ips"] == "192.0.2.0/24" and rows["not_before"] == "-" and rows["format"] == "opaque"


@pytest.mark.parametrize(
    "options",
    [
        ["--not-before", "tomorrow"],
        ["--not-before", "2027-01-01T00:00:00"],  # no offset
        ["--expires-at", "2027-01-01"],
        ["--credits", "-1"],
        ["--format", "pem"],
        ["--refill", "10/daily", "--clear-credits"],
        ["--refill", "10/daily"],
        ["--allowed-ip", "10.0.0.0/8", "--clear-allowed-ips"],
        ["--rate-limit", "5/1", "--clear-rate-limit"],
    ],
)
def test_malformed_restriction_options_exit_2_before_any_request(
    fake: FakeKeysmith, options: list[str]
) -> None:
    logged_in(fake)
    key = fake.add_key("k")
    before = len(fake.requests)
    command = ["keys", "create", "--name", "k"] if options[0] == "--format" else ["keys", "update", key["id"]]
    run = keysmith(*command, *options)
    assert run.code == 2 and len(fake.requests) == before, run.err
