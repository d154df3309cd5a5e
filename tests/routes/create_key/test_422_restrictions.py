"""POST /v1/api-keys answers 422 naming the broken restriction or limit field."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keysmith import clock
from tests.support.client import Client as Api
from tests.support.problems import assert_problem
from tests.support.restrictions import BAD_RESTRICTIONS


@pytest.mark.parametrize(("fields", "pointer"), BAD_RESTRICTIONS)
def test_a_broken_restriction_is_422_with_its_pointer(api: Api, fields: dict[str, Any], pointer: str) -> None:
    reply = api.create_key(api.session("u", "acme"), "ok", **fields)
    assert_problem(reply, 422, "validation-error", pointer)


@pytest.mark.parametrize("gap", [0, 3600])
def test_not_before_at_or_after_expires_at_is_422(api: Api, gap: int) -> None:
    expires = clock.rfc3339(time.time() + 86_400)
    not_before = clock.rfc3339(clock.parse_rfc3339(expires) + gap)
    token = api.session("u", "acme")
    reply = api.create_key(token, "ok", expires_at=expires, not_before=not_before)
    assert_problem(reply, 422, "validation-error", "/not_before")
    in_seconds = api.create_key(token, "ok", expires_in_seconds=60, not_before=not_before)
    assert_problem(in_seconds, 422, "validation-error", "/not_before")


def test_fifty_ranges_and_the_largest_limits_are_accepted(api: Api) -> None:
    ranges = [f"10.0.{i}.0/24" for i in range(49)] + ["::ffff:192.0.2.0/120"]
    created = api.created_key(
        api.session("u", "acme"),
        allowed_ips=ranges,
        rate_limit={"limit": 1_000_000, "window_seconds": 86_400},
        credits={"remaining": 10**12, "refill": {"amount": 10**12, "interval": "monthly"}},
        not_before="2026-01-01T00:00:00.250Z",
    )
    assert created["allowed_ips"] == ranges
    assert created["rate_limit"] == {"limit": 1_000_000, "window_seconds": 86_400}
    assert created["credits"] == {"remaining": 10**12, "refill": {"amount": 10**12, "interval": "monthly"}}
    assert created["not_before"] == "2026-01-01T00:00:01Z"  # rounded up: never earlier than asked


def test_a_key_without_restrictions_shows_them_empty(api: Api) -> None:
    created = api.created_key(api.session("u", "acme"))
    assert (created["allowed_ips"], created["not_before"], created["rate_limit"], created["credits"]) == (
        [],
        None,
        None,
        None,
    )
    bare = api.created_key(api.session("u", "acme"), allowed_ips=["192.0.2.1", "2001:DB8::/32"])
    assert bare["allowed_ips"] == ["192.0.2.1/32", "2001:db8::/32"]  # as stored: normalised
