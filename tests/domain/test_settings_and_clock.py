"""Deploy settings from the environment, and RFC 3339 time handling."""

from __future__ import annotations

import pytest

from keysmith.clock import parse_rfc3339, rfc3339
from keysmith.settings import Settings, SettingsError


def test_defaults_follow_the_template() -> None:
    s = Settings.from_env({"TABLE_NAME": "keys"})
    assert (s.token_prefix, s.allowed_scopes, s.max_key_lifetime_days, s.retention_days) == (
        "ks",
        ("read", "write"),
        0,
        30,
    )
    assert (s.tenant_claim, s.roles_claim, s.last_used_resolution_seconds, s.verify_cache_ttl_seconds) == (
        "tenant_id",
        "roles",
        60,
        0,
    )


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"TABLE_NAME": "t", "TOKEN_PREFIX": "Bad"},
        {"TABLE_NAME": "t", "TOKEN_PREFIX": "x" * 17},
        {"TABLE_NAME": "t", "ALLOWED_SCOPES": " , "},
        {"TABLE_NAME": "t", "RETENTION_DAYS": "thirty"},
        {"TABLE_NAME": "t", "MAX_KEY_LIFETIME_DAYS": "-1"},
    ],
)
def test_settings_a_service_cannot_run_with_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(env)


def test_scopes_are_trimmed_and_deduplicated() -> None:
    s = Settings.from_env({"TABLE_NAME": "t", "ALLOWED_SCOPES": "read, write,read,orders:write"})
    assert s.allowed_scopes == ("read", "write", "orders:write")


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("2026-11-22T10:00:00Z", 1795341600.0),
        ("2026-11-22t10:00:00z", 1795341600.0),
        ("2026-11-22T11:00:00+01:00", 1795341600.0),
        ("2026-11-22T10:00:00.5Z", 1795341600.5),
        ("2026-11-22T10:00:00.123456789Z", 1795341600.123456),
    ],
)
def test_rfc3339_inputs(text: str, epoch: float) -> None:
    assert parse_rfc3339(text) == pytest.approx(epoch)


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-30T10:00:00Z",
        "2026-11-22",
        "2026-11-22T10:00:00",
        "2026-11-22 10:00:00Z",
        "tomorrow",
        "",
        "2026-13-01T00:00:00Z",
    ],
)
def test_impossible_or_ambiguous_times_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rfc3339(text)


def test_output_is_whole_seconds_utc_with_z() -> None:
    assert rfc3339(1795341600.9) == "2026-11-22T10:00:00Z"
