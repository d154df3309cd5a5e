"""Hostile bodies: broken, truncated, deeply nested and non-UTF-8 JSON, wrong types, oversize fields
and bodies, control and bidi characters, unknown fields, impossible dates; then a Hypothesis run of
random bodies at create."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import Reply, handler_of, make_event
from tests.support.client import Client as Api
from tests.support.hardening import scale, snapshot
from tests.support.hostile import (
    PROBLEM,
    TOTALS,
    Case,
    Ctx,
    _figures,
    create_with,
    ctx,
    raw,
    run_cases,
)

__all__ = ["_figures", "ctx"]

# --- the table -----------------------------------------------------------------------------------

NESTED = '{"name":"x","metadata":' + "[" * 40 + "]" * 40 + "}"
# expires_at values a create refuses: impossible or zoneless times, a date, years out of range,
# a number, the past
BAD_EXPIRES_AT: dict[str, Any] = {
    "February 30": "2030-02-30T00:00:00Z",
    "month 13": "2030-13-01T00:00:00Z",
    "hour 25": "2030-01-01T25:00:00Z",
    "second 61": "2030-01-01T00:00:61Z",
    "no zone": "2030-01-01T00:00:00",
    "date only": "2030-01-01",
    "year 0": "0000-01-01T00:00:00Z",
    "year 9999": "9999-12-31T23:59:59Z",
    "offset +25:00": "2030-01-01T00:00:00+25:00",
    "epoch number": 1900000000,
    "past date": "2001-01-01T00:00:00Z",
}
PADDED_OK_16384 = '{"name":"exactly sixteen KiB"}'.ljust(16384)


def _bad_base64(c: Ctx) -> Reply:
    event = make_event(
        "POST",
        "/v1/api-keys",
        headers={"authorization": f"Bearer {c.session}", "content-type": "application/json"},
        body="!!!not base64!!!",
    )
    event["isBase64Encoded"] = True
    result = handler_of("create_key")(event, None)
    return Reply(int(result["statusCode"]), dict(result.get("headers") or {}), result.get("body") or "")


def refused(name: str, fields: dict[str, Any], pointer: str) -> Case:
    """A create of a key named "x" with ``fields``: 422 validation-error at ``pointer``."""
    return Case(name, create_with({"name": "x", **fields}), 422, "validation-error", pointer)


def body_cases() -> list[Case]:
    c = create_with
    return [
        Case("broken JSON", c('{"name": "x",}'), 400, "malformed-request"),
        Case("truncated JSON", c('{"name": "abc'), 400, "malformed-request"),
        Case("empty body", c(""), 400, "malformed-request"),
        Case("whitespace body", c("   \n"), 400, "malformed-request"),
        Case("deeply nested", c(NESTED), 400, "malformed-request"),
        Case("deeply nested 8k", c("[" * 8000 + "]" * 8000), 400, "malformed-request"),
        Case("non-UTF-8 bytes", c(b'{"name": "\xff\xfe"}'), 400, "malformed-request"),
        Case("latin-1 text", c('{"name": "caf\xe9"}'.encode("latin-1")), 400, "malformed-request"),
        Case("lone surrogate", c('{"name": "\ud800"}'), 400, "malformed-request"),
        Case("UTF-16 body", c('{"name": "x"}'.encode("utf-16")), 400, "malformed-request"),
        Case("NaN", c('{"name": "x", "expires_in_seconds": NaN}'), 400, "malformed-request"),
        Case("Infinity", c('{"name": "x", "expires_in_seconds": Infinity}'), 400, "malformed-request"),
        Case("array body", c("[]"), 400, "malformed-request"),
        Case("string body", c('"name"'), 400, "malformed-request"),
        Case("null body", c("null"), 400, "malformed-request"),
        Case("number body", c("42"), 400, "malformed-request"),
        Case("name a number", c({"name": 123}), 422, "validation-error", "/name"),
        Case("name null", c({"name": None}), 422, "validation-error", "/name"),
        Case("name an object", c({"name": {"$gt": ""}}), 422, "validation-error", "/name"),
        Case("name a list", c({"name": ["a"]}), 422, "validation-error", "/name"),
        refused("scopes a string", {"scopes": "read"}, "/scopes"),
        refused("scopes of numbers", {"scopes": [1]}, "/scopes/0"),
        refused("scopes unknown", {"scopes": ["root"]}, "/scopes/0"),
        refused("metadata a list", {"metadata": ["a"]}, "/metadata"),
        refused("metadata value a number", {"metadata": {"a": 1}}, "/metadata/a"),
        refused("expires_in_seconds a string", {"expires_in_seconds": "60"}, "/expires_in_seconds"),
        refused("expires_in_seconds a float", {"expires_in_seconds": 1.5}, "/expires_in_seconds"),
        refused("expires_in_seconds true", {"expires_in_seconds": True}, "/expires_in_seconds"),
        refused("expires_in_seconds 0", {"expires_in_seconds": 0}, "/expires_in_seconds"),
        refused("expires_in_seconds huge", {"expires_in_seconds": 10**30}, "/expires_in_seconds"),
        Case("name 101 characters", c({"name": "n" * 101}), 422, "validation-error", "/name"),
        Case("name 100k characters", c({"name": "n" * 16000}), 422, "validation-error", "/name"),
        refused("description 501", {"description": "d" * 501}, "/description"),
        refused("metadata 21 entries", {"metadata": {f"k{i}": "v" for i in range(21)}}, "/metadata"),
        refused("metadata key 41", {"metadata": {"k" * 41: "v"}}, "/metadata"),
        refused("metadata value 257", {"metadata": {"k": "v" * 257}}, "/metadata"),
        refused("scopes 65 entries", {"scopes": [f"s{i}" for i in range(65)]}, "/scopes"),
        refused("service_account_id with #", {"service_account_id": "sa#1"}, "/service_account_id"),
        refused("environment_id with /", {"environment_id": "../prod"}, "/environment_id"),
        Case("body 16385 bytes", c('{"name":"one byte too many"}'.ljust(16385)), 413, "payload-too-large"),
        Case(
            "body 1 MiB", c('{"name":"x","description":"' + "d" * (1 << 20) + '"}'), 413, "payload-too-large"
        ),
        Case("body 16385 bytes base64", c(b'{"name":"x"}'.ljust(16385)), 413, "payload-too-large"),
        Case("NUL in name", c({"name": "a\u0000b"}), 422, "validation-error", "/name"),
        Case("bell in name", c({"name": "a\u0007b"}), 422, "validation-error", "/name"),
        Case("escape in name", c({"name": "\u001b[31mred"}), 422, "validation-error", "/name"),
        Case("RLO in name", c({"name": "abc\u202edcba"}), 422, "validation-error", "/name"),
        Case("LRI in name", c({"name": "abc\u2066x"}), 422, "validation-error", "/name"),
        Case("zero width in name", c({"name": "ad\u200bmin"}), 422, "validation-error", "/name"),
        Case("BOM in name", c({"name": "\ufeffname"}), 422, "validation-error", "/name"),
        refused("line separator in description", {"description": "a\u2028b"}, "/description"),
        refused("RLO in metadata value", {"metadata": {"k": "\u202e"}}, "/metadata"),
        refused("control in metadata key", {"metadata": {"k\u0001": "v"}}, "/metadata"),
        Case("private use in name", c({"name": "\ue000"}), 422, "validation-error", "/name"),
        refused("unknown field", {"admin": True}, "/admin"),
        refused("unknown field key_hash", {"key_hash": "00"}, "/key_hash"),
        refused("unknown field tenant_id", {"tenant_id": "globex"}, "/tenant_id"),
        refused("unknown field id", {"id": "idem#x"}, "/id"),
        *(refused(label, {"expires_at": when}, "/expires_at") for label, when in BAD_EXPIRES_AT.items()),
        refused(
            "both expiries",
            {"expires_at": "2099-01-01T00:00:00Z", "expires_in_seconds": 60},
            "/expires_in_seconds",
        ),
        Case(
            "idempotency key non-ASCII",
            c({"name": "x"}, **{"Idempotency-Key": "\u00e9t\u00e9"}),
            400,
            "malformed-request",
            "/headers/Idempotency-Key",
        ),
        Case(
            "idempotency key 256",
            c({"name": "x"}, **{"Idempotency-Key": "k" * 256}),
            400,
            "malformed-request",
            "/headers/Idempotency-Key",
        ),
        Case(
            "no content type",
            lambda c: raw(
                c.api,
                "POST",
                "/v1/api-keys",
                body='{"name":"x"}',
                headers={"authorization": f"Bearer {c.session}"},
            ),
            415,
            "unsupported-media-type",
        ),
        Case(
            "text/plain",
            create_with('{"name":"x"}', **{"content-type": "text/plain"}),
            415,
            "unsupported-media-type",
        ),
        Case(
            "content type repeated",
            create_with('{"name":"x"}', **{"content-type": "application/json,application/json"}),
            415,
            "unsupported-media-type",
        ),
        Case(
            "form content type",
            create_with("name=x", **{"content-type": "application/x-www-form-urlencoded"}),
            415,
            "unsupported-media-type",
        ),
        Case("base64 that is not", lambda c: _bad_base64(c), 400, "malformed-request"),
    ]


def test_hostile_bodies_get_the_right_problem_and_change_nothing(ctx: Ctx, subtests: Any) -> None:
    run_cases(ctx, subtests, body_cases())


def test_a_body_of_exactly_16384_bytes_is_accepted(ctx: Ctx) -> None:
    assert len(PADDED_OK_16384.encode()) == 16384
    reply = create_with(PADDED_OK_16384)(ctx)
    TOTALS["inputs_tried"] += 1
    assert reply.status == 201, reply.text


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    [
        "name",
        "description",
        "scopes",
        "expires_at",
        "expires_in_seconds",
        "service_account_id",
        "environment_id",
        "metadata",
        "extra",
        "",
    ]
)


@pytest.mark.parametrize("dynamodb", ["moto"], indirect=True)
def test_random_bodies_never_5xx_and_create_only_when_valid(api: Api) -> None:
    """Random bytes, random JSON and random objects with the create fields: never a 5xx, and a key
    is stored only by a 201 (the table grows by exactly the 201s)."""
    session = api.session("u_1", "acme")
    client, table = api.parts.store.client, api.parts.store.table
    created = 0

    bodies = (
        st.binary(max_size=200)
        | JSON_VALUES.map(json.dumps)
        | st.dictionaries(FIELDS, JSON_VALUES, max_size=5).map(json.dumps)
        | st.fixed_dictionaries(
            {"name": st.text(min_size=0, max_size=120)},
            optional={
                "scopes": st.lists(st.sampled_from(["read", "write", "admin", ""]), max_size=3),
                "metadata": st.dictionaries(st.text(max_size=45), st.text(max_size=300), max_size=22),
                "expires_in_seconds": st.integers(-5, 10**12),
            },
        ).map(json.dumps)
    )

    @settings(
        max_examples=scale(150, 2500), deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(body=bodies)
    def attempt(body: str | bytes) -> None:
        nonlocal created
        reply = raw(
            api,
            "POST",
            "/v1/api-keys",
            body=body,
            headers={"authorization": f"Bearer {session}", "content-type": "application/json"},
        )
        TOTALS["inputs_tried"] += 1
        if reply.status >= 500:
            TOTALS["responses_5xx"] += 1
        assert reply.status < 500, reply.text
        if reply.status == 201:
            created += 1
        else:
            assert reply.status in (400, 413, 422), reply.text
            assert reply.header("Content-Type") == PROBLEM

    attempt()
    keys = [i for i in snapshot(client, table).values() if "key_hash" in i]
    if len(keys) != created:
        TOTALS["keys_changed"] += 1
    assert len(keys) == created
