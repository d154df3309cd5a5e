"""The bad restriction and limit fields that create and PATCH both refuse with 422, each with the
pointer the answer names."""

from __future__ import annotations

from typing import Any

RATE = {"limit": 10, "window_seconds": 60}
INTERVAL = "/credits/refill/interval"

BAD_RESTRICTIONS: list[tuple[dict[str, Any], str]] = [
    ({"allowed_ips": ["10.0.0.0/33"]}, "/allowed_ips/0"),  # prefix length out of range
    ({"allowed_ips": ["2001:db8::/129"]}, "/allowed_ips/0"),
    ({"allowed_ips": ["10.0.0.0/-1"]}, "/allowed_ips/0"),
    ({"allowed_ips": ["192.0.2.0/24", "10.1.2.3/16"]}, "/allowed_ips/1"),  # host bits set
    ({"allowed_ips": ["2001:db8::1/32"]}, "/allowed_ips/0"),
    ({"allowed_ips": ["fe80::%eth0/64"]}, "/allowed_ips/0"),  # IPv6 zone id
    ({"allowed_ips": ["fe80::1%1"]}, "/allowed_ips/0"),
    ({"allowed_ips": ["10.0.0/8"]}, "/allowed_ips/0"),  # malformed
    ({"allowed_ips": ["010.0.0.0/8"]}, "/allowed_ips/0"),
    ({"allowed_ips": ["example.com"]}, "/allowed_ips/0"),
    ({"allowed_ips": [""]}, "/allowed_ips/0"),
    ({"allowed_ips": ["10.0.0.0/8 "]}, "/allowed_ips/0"),
    ({"allowed_ips": [167772160]}, "/allowed_ips/0"),
    ({"allowed_ips": "10.0.0.0/8"}, "/allowed_ips"),
    ({"allowed_ips": ["10.0.0.1", "10.0.0.1/32"]}, "/allowed_ips"),  # the same range twice
    ({"allowed_ips": [f"10.0.{i}.0/24" for i in range(51)]}, "/allowed_ips"),  # more than 50
    ({"not_before": "2026-02-30T00:00:00Z"}, "/not_before"),
    ({"not_before": "tomorrow"}, "/not_before"),
    ({"not_before": 1795341600}, "/not_before"),
    ({"not_before": "0267-10-25T12:03:23+09:54"}, "/not_before"),  # before 1970 (found by the fuzzer)
    ({"not_before": "1969-12-31T23:59:59Z"}, "/not_before"),
    ({"rate_limit": {"limit": 0, "window_seconds": 60}}, "/rate_limit/limit"),
    ({"rate_limit": {"limit": 1_000_001, "window_seconds": 60}}, "/rate_limit/limit"),
    ({"rate_limit": {"limit": 1.5, "window_seconds": 60}}, "/rate_limit/limit"),  # not an integer
    ({"rate_limit": {"limit": "10", "window_seconds": 60}}, "/rate_limit/limit"),
    ({"rate_limit": {"limit": True, "window_seconds": 60}}, "/rate_limit/limit"),
    ({"rate_limit": {"limit": 10, "window_seconds": 0}}, "/rate_limit/window_seconds"),
    ({"rate_limit": {"limit": 10, "window_seconds": 86_401}}, "/rate_limit/window_seconds"),
    ({"rate_limit": {"limit": 10}}, "/rate_limit/window_seconds"),
    ({"rate_limit": {**RATE, "burst": 5}}, "/rate_limit/burst"),
    ({"credits": {"remaining": -1}}, "/credits/remaining"),  # negative
    ({"credits": {"remaining": 10**12 + 1}}, "/credits/remaining"),
    ({"credits": {"remaining": 2.5}}, "/credits/remaining"),
    ({"credits": {}}, "/credits/remaining"),
    ({"credits": {"remaining": 5, "refill": {"interval": "daily"}}}, "/credits/refill/amount"),  # no amount
    ({"credits": {"remaining": 5, "refill": {"amount": 0, "interval": "daily"}}}, "/credits/refill/amount"),
    (
        {"credits": {"remaining": 5, "refill": {"amount": 5, "interval": "hourly"}}},
        "/credits/refill/interval",
    ),
    ({"credits": {"remaining": 5, "refill": {"amount": 5}}}, INTERVAL),
    (
        {"credits": {"remaining": 5, "refill": {"amount": 1e3, "interval": "weekly"}}},
        "/credits/refill/interval",
    ),
]
