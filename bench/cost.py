"""What 1,000,000 verifications cost on AWS list prices (us-east-1), from this bench run's own
measurements: through ``POST /v1/verify`` and through the Lambda authorizer, beside Clerk's
published price. Pure arithmetic on the results dict of ``bench.run``; no network.

What is counted, per verification:

* verify: one HTTP API request, one Lambda request, the Lambda duration, the DynamoDB reads and the
  share of last-used writes;
* authorizer: one Lambda request (the authorizer's invocation), its duration, its DynamoDB reads and
  writes. The request to the API it protects is that API's own cost, paid with or without Keysmith.

The duration comes from the measured warm CPU per call (``bench.warm``, on this host) and the
measured DynamoDB round trip (``bench.dynamo``, against DynamoDB Local). Lambda bills wall time at
512 MB, and 512 MB gets 512/1769 of a vCPU (one full vCPU at 1,769 MB), so the CPU part is stretched
by 1769/512; the wait for DynamoDB is added as measured: the raw ``get_item`` p50 minus its own client
CPU (the warm floor). Billing rounds each invocation up to the millisecond. This host's CPU figure is
taken as the arm64 (Graviton) figure; the x86_64 figure is the same duration at the x86_64 price
(x 0.0000166667 / 0.0000133334 = 1.25), since the bench cannot measure Graviton here.

Not counted: free tiers, cold starts (Lambda bills the init phase too; at a steady rate a container
serves for hours), CloudWatch Logs (the API's access log line and Lambda's START/END/REPORT lines per
request), X-Ray traces (sampled), data transfer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

# ---- AWS list prices, us-east-1, USD, as written down on 2026-11-30 (no network here: check the
# ---- named pages before quoting these figures)
PRICES_DATE = "2026-11-30"
# "Amazon API Gateway pricing", HTTP APIs: first 300 million requests a month.
HTTP_API_PER_MILLION_REQUESTS = 1.00
# "AWS Lambda pricing": requests (both architectures).
LAMBDA_PER_MILLION_REQUESTS = 0.20
# "AWS Lambda pricing", duration: Arm price (first 7.5 billion GB-s a month) and x86 price (first
# 6 billion GB-s a month).
LAMBDA_PER_GB_SECOND_ARM64 = 0.0000133334
LAMBDA_PER_GB_SECOND_X86_64 = 0.0000166667
X86_64_PRICE_RATIO = LAMBDA_PER_GB_SECOND_X86_64 / LAMBDA_PER_GB_SECOND_ARM64
# "Amazon DynamoDB pricing for on-demand capacity", Standard table class.
DYNAMODB_PER_MILLION_READ_UNITS = 0.125
DYNAMODB_PER_MILLION_WRITE_UNITS = 0.625
# Clerk's published API-key price: $0.00001 per verification.
CLERK_PER_MILLION_VERIFICATIONS = 10.00

# ---- the deployment (template.yaml; tests/unit/test_cost.py checks they match it)
MEMORY_MB = 512  # Globals.Function.MemorySize, arm64
LAST_USED_WINDOW_SECONDS = 60  # the LastUsedResolutionSeconds default
# Lambda gives a function one vCPU at 1,769 MB and a proportional share below.
MB_PER_VCPU = 1769

# ---- assumptions
# A consistent read of an item up to 4 KB is 1 read unit, a write of an item up to 1 KB 1 write unit
# (a key's item is under 1 KB unless its metadata is large).
READ_UNITS_PER_GET = 1
WRITE_UNITS_PER_UPDATE = 1
# The traffic behind "a million verifications": 1,000 keys in use, 1,000 verifications a second in
# all. Each key is then verified about once a second and its last use is written once per window:
# keys / (rate x window) of the verifications write (1/60 here), never more than all of them.
ASSUMED_KEYS = 1_000
ASSUMED_VERIFICATIONS_PER_SECOND = 1_000
# API Gateway's authorizer cache, shown beside the uncached figure: ReauthorizeEvery of this many
# seconds caches one answer per key (Keysmith's default is 0, so a revocation holds at once).
AUTHORIZER_CACHE_SECONDS = 300

TARGETS = {"verify": 1.50, "authorizer": 0.50}
MILLION = 1_000_000


@dataclass(frozen=True)
class Measured:
    """This run's figures the cost is computed from."""

    verify_cpu_ms: float  # warm CPU per verify-handler call, this host
    authorizer_cpu_ms: float  # warm CPU per authorizer call, this host
    store_wait_ms: float  # one consistent GetItem's round trip, less its client CPU
    verify_reads: int  # DynamoDB reads of one warm verification (steady state)
    authorizer_reads: int
    first_use_writes: int  # last-used writes added by a key's first verification in a window


def measured(results: Mapping[str, Any]) -> Measured:
    warm, latency, requests = results["warm_verify"], results["verify_latency"], results["ddb_requests"]
    steady = Counter(requests["verify"]["operations"])
    first = Counter(requests["verify"]["first_in_window"])
    return Measured(
        verify_cpu_ms=warm["verify_handler_us"] / 1000,
        authorizer_cpu_ms=warm["authorizer_us"] / 1000,
        store_wait_ms=max(0.0, latency["get_item_p50_ms"] - warm["floor_us"] / 1000),
        verify_reads=steady["GetItem"],
        authorizer_reads=Counter(requests["authorizer"]["operations"])["GetItem"],
        first_use_writes=first["UpdateItem"] - steady["UpdateItem"],
    )


def billed_ms(cpu_ms: float, store_wait_ms: float) -> int:
    """Lambda's billed duration of one warm call at MEMORY_MB, rounded up to the millisecond."""
    return math.ceil(cpu_ms * MB_PER_VCPU / MEMORY_MB + store_wait_ms)


def duration_cost(billed: int, price_per_gb_second: float) -> float:
    """USD per million calls of ``billed`` milliseconds at MEMORY_MB."""
    return MEMORY_MB / 1024 * billed / 1000 * price_per_gb_second * MILLION


def first_use_share(keys: int, per_second: float, period_seconds: int) -> float:
    """Share of requests that are a key's first in a period of ``period_seconds``, when ``keys``
    keys share ``per_second`` requests evenly (each key used at least once a period: the share
    is keys / (rate x period); never more than every request)."""
    return min(1.0, keys / (per_second * period_seconds))


@dataclass(frozen=True)
class PathCost:
    """Cost per million verifications through one path, item by item (USD)."""

    name: str
    billed_ms: int
    http_api: float
    lambda_requests: float
    lambda_duration: float
    lambda_duration_x86_64: float
    dynamodb_reads: float
    dynamodb_writes: float

    @property
    def total(self) -> float:
        return (
            self.http_api
            + self.lambda_requests
            + self.lambda_duration
            + self.dynamodb_reads
            + self.dynamodb_writes
        )

    @property
    def total_x86_64(self) -> float:
        return self.total - self.lambda_duration + self.lambda_duration_x86_64


def path_cost(name: str, m: Measured, *, http_api: bool, cpu_ms: float, reads: int, share: float) -> PathCost:
    billed = billed_ms(cpu_ms, m.store_wait_ms)
    return PathCost(
        name=name,
        billed_ms=billed,
        http_api=HTTP_API_PER_MILLION_REQUESTS if http_api else 0.0,
        lambda_requests=LAMBDA_PER_MILLION_REQUESTS,
        lambda_duration=duration_cost(billed, LAMBDA_PER_GB_SECOND_ARM64),
        lambda_duration_x86_64=duration_cost(billed, LAMBDA_PER_GB_SECOND_X86_64),
        dynamodb_reads=reads * READ_UNITS_PER_GET * DYNAMODB_PER_MILLION_READ_UNITS,
        dynamodb_writes=share
        * m.first_use_writes
        * WRITE_UNITS_PER_UPDATE
        * DYNAMODB_PER_MILLION_WRITE_UNITS,
    )


def estimate(results: Mapping[str, Any]) -> dict[str, Any]:
    """The cost figures of one bench run, for bench-results.json and the printed table."""
    m = measured(results)

    def verify(share: float) -> PathCost:
        return path_cost(
            "verify", m, http_api=True, cpu_ms=m.verify_cpu_ms, reads=m.verify_reads, share=share
        )

    def authorizer(share: float) -> PathCost:
        cpu, reads = m.authorizer_cpu_ms, m.authorizer_reads
        return path_cost("authorizer", m, http_api=False, cpu_ms=cpu, reads=reads, share=share)

    rate, keys = ASSUMED_VERIFICATIONS_PER_SECOND, ASSUMED_KEYS
    share = first_use_share(keys, rate, LAST_USED_WINDOW_SECONDS)
    # API Gateway's cache: the authorizer runs once per key per AUTHORIZER_CACHE_SECONDS, and each
    # of those runs is a first use in its window whenever the cache outlives the window.
    invoked = first_use_share(keys, rate, AUTHORIZER_CACHE_SECONDS)
    cached = authorizer(first_use_share(keys, invoked * rate, LAST_USED_WINDOW_SECONDS))
    paths = {"verify": (verify(share), verify(1.0)), "authorizer": (authorizer(share), authorizer(1.0))}
    return {
        "prices_date": PRICES_DATE,
        "region": "us-east-1",
        "measured": asdict(m),
        "assumed": {
            "keys": keys,
            "verifications_per_second": rate,
            "last_used_window_seconds": LAST_USED_WINDOW_SECONDS,
            "write_share": share,
            "authorizer_cache_seconds": AUTHORIZER_CACHE_SECONDS,
            "authorizer_invoked_share_when_cached": invoked,
        },
        "paths": {
            name: {
                **asdict(cost),
                "total": cost.total,
                "total_x86_64": cost.total_x86_64,
                "every_call_first_use_total": every_call_writes.total,
            }
            for name, (cost, every_call_writes) in paths.items()
        },
        "authorizer_cached_total": invoked * cached.total,
        "clerk": CLERK_PER_MILLION_VERIFICATIONS,
        "targets": TARGETS,
        "met": {name: cost.total <= TARGETS[name] for name, (cost, _) in paths.items()},
    }


def _usd(value: float) -> str:
    return f"${value:.4f}"


def table(cost: Mapping[str, Any]) -> str:
    """The cost table as `make bench` prints it."""
    verify, authorizer = cost["paths"]["verify"], cost["paths"]["authorizer"]
    m, a = cost["measured"], cost["assumed"]
    share = a["write_share"]
    rows: list[tuple[str, str, str, str]] = [
        ("item", "verify", "authorizer", "basis"),
        (
            "HTTP API request",
            _usd(verify["http_api"]),
            "-",
            f"${HTTP_API_PER_MILLION_REQUESTS:.2f}/M; the API an authorizer protects pays its own requests",
        ),
        (
            "Lambda request",
            _usd(verify["lambda_requests"]),
            _usd(authorizer["lambda_requests"]),
            f"${LAMBDA_PER_MILLION_REQUESTS:.2f}/M",
        ),
        (
            f"Lambda duration, {MEMORY_MB} MB arm64",
            _usd(verify["lambda_duration"]),
            _usd(authorizer["lambda_duration"]),
            f"billed {verify['billed_ms']} / {authorizer['billed_ms']} ms: CPU {m['verify_cpu_ms']:.2f} / "
            f"{m['authorizer_cpu_ms']:.2f} ms x {MB_PER_VCPU}/{MEMORY_MB}"
            f" + DynamoDB wait {m['store_wait_ms']:.2f} ms",
        ),
        (
            "DynamoDB reads",
            _usd(verify["dynamodb_reads"]),
            _usd(authorizer["dynamodb_reads"]),
            f"{m['verify_reads']} / {m['authorizer_reads']} consistent GetItem (measured), "
            f"{READ_UNITS_PER_GET} read unit each (item <= 4 KB), ${DYNAMODB_PER_MILLION_READ_UNITS}/M",
        ),
        (
            "DynamoDB last-used writes",
            _usd(verify["dynamodb_writes"]),
            _usd(authorizer["dynamodb_writes"]),
            f"{m['first_use_writes']} UpdateItem per key per {a['last_used_window_seconds']} s (measured): "
            f"{a['keys']:,} keys at {a['verifications_per_second']:,}/s = {share:.4f} of verifications, "
            f"${DYNAMODB_PER_MILLION_WRITE_UNITS}/M",
        ),
        ("total", _usd(verify["total"]), _usd(authorizer["total"]), ""),
        (
            "target",
            f"<= ${TARGETS['verify']:.2f}",
            f"<= ${TARGETS['authorizer']:.2f}",
            "met: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in cost["met"].items()),
        ),
        ("Clerk, published", _usd(cost["clerk"]), _usd(cost["clerk"]), "$0.00001 per verification"),
        (
            "total on x86_64",
            _usd(verify["total_x86_64"]),
            _usd(authorizer["total_x86_64"]),
            f"same duration at the x86 price (x {X86_64_PRICE_RATIO:.2f}); this CPU taken as Graviton's",
        ),
        (
            "total, every call a first use",
            _usd(verify["every_call_first_use_total"]),
            _usd(authorizer["every_call_first_use_total"]),
            "each verification also writes last-used (keys used less than once a window)",
        ),
        (
            f"authorizer cached {a['authorizer_cache_seconds']} s",
            "-",
            _usd(cost["authorizer_cached_total"]),
            f"ReauthorizeEvery {a['authorizer_cache_seconds']}: invoked for "
            f"{a['authorizer_invoked_share_when_cached']:.4f} of requests; a revoked key works that long",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(
            [row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].rjust(widths[2]), row[3]]
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in [*widths, 40]))
    title = (
        f"Cost per 1,000,000 verifications, AWS list prices {cost['region']} as of {cost['prices_date']}"
        " (USD); not counted: free tiers, cold starts, CloudWatch Logs, X-Ray, data transfer"
    )
    return "\n".join([title, "", *lines])
