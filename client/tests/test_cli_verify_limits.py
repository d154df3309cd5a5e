"""``keysmith verify`` with the 1.1 answers: --cost, the new codes (exit 5 with the reason), the
credits left, the rate limit's window and retry_after_seconds, in the table and in --json."""

from __future__ import annotations

import pytest

from fake_keysmith import FakeKeysmith
from test_cli import keysmith, logged_in


def rows(out: str) -> dict[str, str]:
    return dict(line.split(None, 1) for line in out.splitlines())


def created(*options: str) -> str:
    run = keysmith("keys", "create", "--name", "v", *options, "--json")
    assert run.code == 0, run.err
    return str(run.json()["key"])


def test_verify_sends_cost_and_prints_the_credits_left_and_the_window(fake: FakeKeysmith) -> None:
    logged_in(fake)
    secret = created("--credits", "10", "--rate-limit", "3/3600")
    valid = keysmith("verify", secret, "--url", fake.url, "--cost", "4")
    assert valid.code == 0 and fake.requests[-1].json() == {"key": secret, "cost": 4}
    shown = rows(valid.out)
    assert shown["code"] == "VALID" and shown["credits_remaining"] == "6"
    assert shown["rate_limit"].startswith("2 of 3 left until 20")


def test_rate_limited_exits_5_and_says_when_to_retry(fake: FakeKeysmith) -> None:
    logged_in(fake)
    secret = created("--rate-limit", "1/3600")
    assert keysmith("verify", secret, "--url", fake.url).code == 0
    limited = keysmith("verify", secret, "--url", fake.url)
    shown = rows(limited.out)
    assert limited.code == 5 and shown["valid"] == "no" and shown["code"] == "RATE_LIMITED"
    assert "rate limit is used up" in shown["reason"]
    seconds = int(shown["retry_after"].removesuffix(" s"))
    assert 1 <= seconds <= 3600 and shown["rate_limit"].startswith("0 of 1 left")

    as_json = keysmith("verify", secret, "--url", fake.url, "--json")
    document = as_json.json()
    assert as_json.code == 5 and document["code"] == "RATE_LIMITED" and document["valid"] is False
    assert isinstance(document["retry_after_seconds"], int) and document["rate_limit"]["remaining"] == 0  # type: ignore[index]


def test_usage_exceeded_exits_5_with_the_credits_left(fake: FakeKeysmith) -> None:
    logged_in(fake)
    secret = created("--credits", "2")
    exceeded = keysmith("verify", secret, "--url", fake.url, "--cost", "3")
    shown = rows(exceeded.out)
    assert exceeded.code == 5 and shown["code"] == "USAGE_EXCEEDED" and shown["credits_remaining"] == "2"
    assert "fewer credits left" in shown["reason"] and "key_id" not in shown


@pytest.mark.parametrize(
    ("options", "verify_options", "code"),
    [
        (["--not-before", "2099-01-01T00:00:00Z"], [], "NOT_YET_VALID"),
        (["--allowed-ip", "192.0.2.0/24"], ["--client-ip", "198.51.100.7"], "IP_NOT_ALLOWED"),
    ],
)
def test_restrictions_refuse_with_exit_5_and_their_reason(
    fake: FakeKeysmith, options: list[str], verify_options: list[str], code: str
) -> None:
    logged_in(fake)
    secret = created(*options)
    refused = keysmith("verify", secret, "--url", fake.url, *verify_options)
    shown = rows(refused.out)
    assert refused.code == 5 and shown["code"] == code and shown["reason"] and "key_id" not in shown
    assert keysmith("verify", secret, "--url", fake.url, *verify_options, "--json").json() == {
        "valid": False,
        "code": code,
    }


@pytest.mark.parametrize("cost", ["-1", "two", "1.5"])
def test_a_malformed_cost_exits_2_before_any_request(fake: FakeKeysmith, cost: str) -> None:
    before = len(fake.requests)
    assert keysmith("verify", "ks_x", "--url", fake.url, "--cost", cost).code == 2
    assert len(fake.requests) == before
