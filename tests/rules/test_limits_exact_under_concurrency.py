"""Usage limits are exact under concurrency, on DynamoDB Local (the real engine's conditional
writes): 50 parallel verifications of a key with 10 credits give exactly 10 VALID; a rate limit of L
per window admits exactly L in each window; a refill is applied once however many racers meet it;
a refused verification spends and counts nothing.

Each racer is its own process image of the verifier (``wiring.build_verifier``: its own memory of
metered keys, as a separate Lambda container has), except in the last test, where the racers share
one verifier through the verify route (one warm container's threads)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from keysmith import wiring
from tests.support.client import Client as Api
from tests.support.client import frozen
from tests.support.verification import admin_key, verify

RACERS = 50
WINDOW_START = 1_800_000_000.0  # a multiple of 3600
MIDNIGHT = 1_800_057_600.0  # 2027-01-15T00:00:00Z

pytestmark = pytest.mark.parametrize("dynamodb", ["ddblocal"], indirect=True)


def race(api: Api, key: str, **checks: Any) -> Counter[str]:
    """``RACERS`` verifications at once, each by a verifier of its own: how many got each code."""
    verifiers = [wiring.build_verifier(api.parts.settings, api.parts.store) for _ in range(RACERS)]

    def one(i: int) -> str:
        return verifiers[i].verify(key, **checks).code

    return Counter(parallel(one))


def parallel(call: Callable[[int], str]) -> list[str]:
    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(call, range(RACERS)))


def shown(api: Api, key_id: str) -> dict[str, Any]:
    reply = api.get_key(api.session("u_1", "acme", ["admin"]), key_id)
    assert reply.status == 200, reply.text
    return dict(reply.body)


def test_fifty_racers_on_ten_credits_get_exactly_ten_valid(api: Api) -> None:
    created = admin_key(api, credits={"remaining": 10})
    codes = race(api, created["key"])
    print(f"credits 10, {RACERS} racers: {dict(codes)}")
    assert codes == {"VALID": 10, "USAGE_EXCEEDED": RACERS - 10}
    assert shown(api, created["id"])["credits"]["remaining"] == 0


@pytest.mark.parametrize("limit", [1, 7])
def test_a_rate_limit_admits_exactly_its_limit_in_each_window(api: Api, limit: int) -> None:
    frozen(WINDOW_START + 1)
    key = admin_key(api, rate_limit={"limit": limit, "window_seconds": 3600})["key"]
    first = race(api, key)
    frozen(WINDOW_START + 3599)
    rest_of_first = race(api, key)
    frozen(WINDOW_START + 3600)
    second = race(api, key)
    bursts = ", ".join(str(dict(codes)) for codes in (first, rest_of_first, second))
    print(f"rate limit {limit}/3600 s, {RACERS} racers per burst: {bursts}")
    assert first == {"VALID": limit, "RATE_LIMITED": RACERS - limit}
    assert rest_of_first == {"RATE_LIMITED": RACERS}
    assert second == {"VALID": limit, "RATE_LIMITED": RACERS - limit}


def test_a_refill_is_applied_once_however_many_racers_meet_it(api: Api) -> None:
    frozen(MIDNIGHT - 60)
    created = admin_key(api, credits={"remaining": 0, "refill": {"amount": 5, "interval": "daily"}})
    assert race(api, created["key"]) == {"USAGE_EXCEEDED": RACERS}
    frozen(MIDNIGHT + 1)
    codes = race(api, created["key"])
    print(f"daily refill of 5, {RACERS} racers after midnight: {dict(codes)}")
    assert codes == {"VALID": 5, "USAGE_EXCEEDED": RACERS - 5}
    assert shown(api, created["id"])["credits"]["remaining"] == 0


def test_refused_verifications_spend_and_count_nothing(api: Api) -> None:
    frozen(WINDOW_START + 1)
    created = admin_key(
        api,
        scopes=["read"],
        allowed_ips=["192.0.2.0/24"],
        rate_limit={"limit": 100, "window_seconds": 3600},
        credits={"remaining": 10},
    )
    key = created["key"]
    assert race(api, key, client_ip="198.51.100.1") == {"IP_NOT_ALLOWED": RACERS}
    assert race(api, key, client_ip="192.0.2.1", required_scopes=["write"]) == {"INSUFFICIENT_SCOPE": RACERS}
    assert race(api, key, client_ip="192.0.2.1", environment_id="env_x") == {
        "VALID": 10,
        "USAGE_EXCEEDED": 40,
    }
    after = verify(api, {"key": key, "client_ip": "192.0.2.1", "cost": 0}).body
    # 50 refused for IP, 50 for scope: none counted; 10 valid counted, 40 refused for credits: not counted
    assert after["code"] == "USAGE_EXCEEDED" and after["rate_limit"]["remaining"] == 90


def test_threads_of_one_warm_verifier_spend_exactly_too(api: Api) -> None:
    created = admin_key(api, credits={"remaining": 10}, rate_limit={"limit": 1000, "window_seconds": 86_400})
    assert verify(api, {"key": created["key"]}).body["remaining"] == 9  # this process now knows the key

    def one(_: int) -> str:
        return str(verify(api, {"key": created["key"]}).body["code"])

    codes = Counter(parallel(one))
    print(f"credits 9 left, {RACERS} racers through the verify route of one process: {dict(codes)}")
    assert codes == {"VALID": 9, "USAGE_EXCEEDED": RACERS - 9}
