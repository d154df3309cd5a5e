"""bench.cost: the cost per million verifications, against figures worked out by hand from the
price constants, and the constants that must match template.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from bench import cost
from local.template import load_template


def results(
    verify_us: float = 1287,
    authorizer_us: float = 1204,
    floor_us: float = 1099,
    get_item_p50_ms: float = 3.85,
    verify_operations: tuple[str, ...] = ("GetItem",),
    first_in_window: tuple[str, ...] = ("GetItem", "UpdateItem"),
    authorizer_operations: tuple[str, ...] = ("GetItem",),
) -> dict[str, Any]:
    """The parts of a bench run that bench.cost reads (defaults: the run quoted in README)."""
    return {
        "warm_verify": {"verify_handler_us": verify_us, "authorizer_us": authorizer_us, "floor_us": floor_us},
        "verify_latency": {"get_item_p50_ms": get_item_p50_ms},
        "ddb_requests": {
            "verify": {"operations": list(verify_operations), "first_in_window": list(first_in_window)},
            "authorizer": {"operations": list(authorizer_operations)},
        },
    }


def test_cost_per_million_through_verify_and_the_authorizer() -> None:
    estimate = cost.estimate(results())
    # DynamoDB wait: 3.85 ms raw get_item p50 - 1.099 ms of its client CPU = 2.751 ms.
    assert estimate["measured"]["store_wait_ms"] == pytest.approx(2.751)
    verify, authorizer = estimate["paths"]["verify"], estimate["paths"]["authorizer"]
    # verify: 1.287 ms CPU x 1769/512 = 4.4467 ms, + 2.751 = 7.198 ms, billed 8 ms.
    assert verify["billed_ms"] == 8
    # 0.5 GB x 0.008 s x $0.0000133334 x 1,000,000 = $0.0533336
    assert verify["lambda_duration"] == pytest.approx(0.0533336)
    assert verify["http_api"] == pytest.approx(1.00)
    assert verify["lambda_requests"] == pytest.approx(0.20)
    assert verify["dynamodb_reads"] == pytest.approx(0.125)  # 1 read unit x $0.125/M
    # 1,000 keys / (1,000 per second x 60 s) = 1/60 of verifications write 1 unit at $0.625/M.
    assert verify["dynamodb_writes"] == pytest.approx(0.625 / 60)
    # 1 + 0.2 + 0.0533336 + 0.125 + 0.0104167
    assert verify["total"] == pytest.approx(1.3887503, abs=1e-7)
    # authorizer: 1.204 x 1769/512 = 4.1599 ms, + 2.751 = 6.911 ms, billed 7 ms: 0.5 x 0.007 x 13.3334.
    assert authorizer["billed_ms"] == 7
    assert authorizer["lambda_duration"] == pytest.approx(0.0466669)
    assert authorizer["http_api"] == 0
    # 0.2 + 0.0466669 + 0.125 + 0.0104167
    assert authorizer["total"] == pytest.approx(0.3820836, abs=1e-7)
    assert estimate["met"] == {"verify": True, "authorizer": True}
    assert estimate["clerk"] == 10.00


def test_x86_64_is_the_same_duration_at_the_x86_price() -> None:
    verify = cost.estimate(results())["paths"]["verify"]
    # 0.5 GB x 0.008 s x $0.0000166667 x 1,000,000 = $0.0666668: 1.25 x the arm64 figure.
    assert verify["lambda_duration_x86_64"] == pytest.approx(0.0666668)
    assert verify["total_x86_64"] == pytest.approx(1.3887503 - 0.0533336 + 0.0666668, abs=1e-7)


def test_every_call_a_first_use_and_the_cached_authorizer() -> None:
    estimate = cost.estimate(results())
    # Every verification also writes 1 unit: 1 + 0.2 + 0.0533336 + 0.125 + 0.625.
    assert estimate["paths"]["verify"]["every_call_first_use_total"] == pytest.approx(2.0033336)
    # ReauthorizeEvery 300: 1,000 keys / (1,000/s x 300 s) = 1/300 of requests invoke the
    # authorizer, each a first use (the cache outlives the 60 s window):
    # (0.2 + 0.0466669 + 0.125 + 0.625) / 300.
    assert estimate["assumed"]["authorizer_invoked_share_when_cached"] == pytest.approx(1 / 300)
    assert estimate["authorizer_cached_total"] == pytest.approx(0.9966669 / 300)


def test_request_counts_come_from_the_measurement() -> None:
    """Two reads per verification cost twice as much; no extra write on a first use costs none."""
    estimate = cost.estimate(
        results(verify_operations=("GetItem", "GetItem"), first_in_window=("GetItem", "GetItem"))
    )
    assert estimate["paths"]["verify"]["dynamodb_reads"] == pytest.approx(0.25)
    assert estimate["paths"]["verify"]["dynamodb_writes"] == 0
    assert estimate["paths"]["authorizer"]["dynamodb_reads"] == pytest.approx(0.125)


def test_a_slow_store_misses_the_target() -> None:
    """200 ms per read: verify bills 1.287 x 1769/512 + 198.9 = 203.35 -> 204 ms,
    0.5 x 0.204 x 13.3334 = $1.36 of duration alone, so $2.70 in all."""
    estimate = cost.estimate(results(get_item_p50_ms=200))
    assert estimate["paths"]["verify"]["billed_ms"] == 204
    assert estimate["paths"]["verify"]["total"] == pytest.approx(
        1 + 0.2 + 0.5 * 0.204 * 13.3334 + 0.125 + 0.625 / 60, abs=1e-7
    )
    assert estimate["met"] == {"verify": False, "authorizer": False}


@pytest.mark.parametrize(
    ("cpu_ms", "wait_ms", "billed"),
    [(0.0, 3.0, 3), (0.0, 3.0001, 4), (1.0, 0.0, 4), (512 / 1769 * 2, 0.5, 3)],
)
def test_billing_rounds_each_call_up_to_the_millisecond(cpu_ms: float, wait_ms: float, billed: int) -> None:
    assert cost.billed_ms(cpu_ms, wait_ms) == billed


@pytest.mark.parametrize(
    ("keys", "per_second", "period", "share"),
    [(1000, 1000, 60, 1 / 60), (1000, 10, 60, 1.0), (1, 1000, 60, 1 / 60000)],
)
def test_first_use_share_never_exceeds_every_request(
    keys: int, per_second: float, period: int, share: float
) -> None:
    assert cost.first_use_share(keys, per_second, period) == pytest.approx(share)


def test_printed_table_shows_both_paths_the_targets_and_clerk() -> None:
    printed = cost.table(cost.estimate(results()))
    assert "as of 2026-11-30" in printed and "us-east-1" in printed
    total = next(line for line in printed.splitlines() if line.startswith("total "))
    assert total.split()[1:] == ["$1.3888", "$0.3821"]
    assert "met: verify yes, authorizer yes" in printed
    clerk = next(line for line in printed.splitlines() if line.startswith("Clerk"))
    assert "$10.0000" in clerk


def test_constants_match_the_template() -> None:
    template = load_template()
    function_globals = template["Globals"]["Function"]
    assert function_globals["MemorySize"] == cost.MEMORY_MB
    assert function_globals["Architectures"] == ["arm64"]
    assert template["Parameters"]["LastUsedResolutionSeconds"]["Default"] == cost.LAST_USED_WINDOW_SECONDS
