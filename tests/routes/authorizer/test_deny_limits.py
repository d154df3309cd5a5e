"""The Lambda authorizer applies the restrictions and limits as verify does: its caller's source
address against allowed_ips, not_before, the rate limit and credits; any refusal denies, and a
denial spends nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import Client as Api
from tests.support.client import authorize, frozen
from tests.support.verification import admin_key, fetch

ALLOWED = "198.51.100.4"  # the authorizer event's default source address


@pytest.mark.parametrize(
    ("fields", "source_ip"),
    [
        ({"allowed_ips": ["192.0.2.0/24"]}, ALLOWED),
        ({"not_before": "2999-01-01T00:00:00Z"}, ALLOWED),
        ({"credits": {"remaining": 0}}, ALLOWED),
        ({"allowed_ips": ["198.51.100.0/24"], "credits": {"remaining": 3}}, "::ffff:192.0.2.1"),
    ],
)
def test_the_authorizer_denies_a_refused_key(api: Api, fields: dict[str, Any], source_ip: str) -> None:
    created = admin_key(api, **fields)
    assert authorize(f"Bearer {created['key']}", source_ip=source_ip) == {"isAuthorized": False}
    assert fetch(api, created["id"])["last_used_at"] is None


def test_the_authorizer_counts_against_the_rate_limit_and_spends_credits(api: Api) -> None:
    frozen(1_800_000_030.0)  # well inside one day's window
    created = admin_key(
        api,
        allowed_ips=["::ffff:198.51.100.0/120"],  # an IPv4 caller matches a range of mapped addresses
        rate_limit={"limit": 2, "window_seconds": 86_400},
        credits={"remaining": 10},
    )
    answers = [authorize(f"Bearer {created['key']}")["isAuthorized"] for _ in range(3)]
    assert answers == [True, True, False]
    shown = fetch(api, created["id"])
    assert shown["credits"]["remaining"] == 8 and shown["last_used_ip"] == ALLOWED
