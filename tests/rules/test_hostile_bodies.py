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
        Case("scopes a string", c({"name": "x", "scopes": "read"}), 422, "validation-error", "/scopes"),
        Case("scopes of numbers", c({"name": "x", "scopes": [1]}), 422, "validation-error", "/scopes/0"),
        Case("scopes unknown", c({"name": "x", "scopes": ["root"]}), 422, "validation-error", "/scopes/0"),
        Case("metadata a list", c({"name": "x", "metadata": ["a"]}), 422, "validation-error", "/metadata"),
        Case(
            "metadata value a number",
            c({"name": "x", "metadata": {"a": 1}}),
            422,
            "validation-error",
            "/metadata/a",
        ),
        Case(
            "expires_in_seconds a string",
            c({"name": "x", "expires_in_seconds": "60"}),
            422,
            "validation-error",
            "/expires_in_seconds",
        ),
        Case(
            "expires_in_seconds a float",
            c({"name": "x", "expires_in_seconds": 1.5}),
            422,
            "validation-error",
            "/expires_in_seconds",
        ),
        Case(
            "expires_in_seconds true",
            c({"name": "x", "expires_in_seconds": True}),
            422,
            "validation-error",
            "/expires_in_seconds",
        ),
        Case(
            "expires_in_seconds 0",
            c({"name": "x", "expires_in_seconds": 0}),
            422,
            "validation-error",
            "/expires_in_seconds",
        ),
        Case(
            "expires_in_seconds huge",
            c({"name": "x", "expires_in_seconds": 10**30}),
            422,
            "validation-error",
            "/expires_in_seconds",
        ),
        Case("name 101 characters", c({"name": "n" * 101}), 422, "validation-error", "/name"),
        Case("name 100k characters", c({"name": "n" * 16000}), 422, "validation-error", "/name"),
        Case(
            "description 501",
            c({"name": "x", "description": "d" * 501}),
            422,
            "validation-error",
            "/description",
        ),
        Case(
            "metadata 21 entries",
            c({"name": "x", "metadata": {f"k{i}": "v" for i in range(21)}}),
            422,
            "validation-error",
            "/metadata",
        ),
        Case(
            "metadata key 41",
            c({"name": "x", "metadata": {"k" * 41: "v"}}),
            422,
            "validation-error",
            "/metadata",
        ),
        Case(
            "metadata value 257",
            c({"name": "x", "metadata": {"k": "v" * 257}}),
            422,
            "validation-error",
            "/metadata",
        ),
        Case(
            "scopes 65 entries",
            c({"name": "x", "scopes": [f"s{i}" for i in range(65)]}),
            422,
            "validation-error",
            "/scopes",
        ),
        Case(
            "service_account_id with #",
            c({"name": "x", "service_account_id": "sa#1"}),
            422,
            "validation-error",
            "/service_account_id",
        ),
        Case(
            "environment_id with /",
            c({"name": "x", "environment_id": "../prod"}),
            422,
            "validation-error",
            "/environment_id",
        ),
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
        Case(
            "line separator in description",
            c({"name": "x", "description": "a\u2028b"}),
            422,
            "validation-error",
            "/description",
        ),
        Case(
            "RLO in metadata value",
            c({"name": "x", "metadata": {"k": "\u202e"}}),
            422,
            "validation-error",
            "/metadata",
        ),
        Case(
            "control in metadata key",
            c({"name": "x", "metadata": {"k\u0001": "v"}}),
            422,
            "validation-error",
            "/metadata",
        ),
        Case("private use in name", c({"name": "\ue000"}), 422, "validation-error", "/name"),
        Case("unknown field", c({"name": "x", "admin": True}), 422, "validation-error", "/admin"),
        Case(
            "unknown field key_hash", c({"name": "x", "key_hash": "00"}), 422, "validation-error", "/key_hash"
        ),
        Case(
            "unknown field tenant_id",
            c({"name": "x", "tenant_id": "globex"}),
            422,
            "validation-error",
            "/tenant_id",
        ),
        Case("unknown field id", c({"name": "x", "id": "idem#x"}), 422, "validation-error", "/id"),
        Case(
            "February 30",
            c({"name": "x", "expires_at": "2030-02-30T00:00:00Z"}),
            422,
            "validation-error",
            "/expires_at",
        ),
        Case(
            "month 13",
            c({"name": "x", "expires_at": "2030-13-01T00:00:00Z"}),
            422,
            "validation-error",
            "/expires_at",
        ),
        Case(
            "hour 25",
            c({"name": "x", "expires_at": "2030-01-01T25:00:00Z"}),
            422,
            "validation-error",
            "/expires_at",
        ),
        Case(
            "second 61",
            c({"name": "x", "expires_at": "2030-01-01T00:00:61Z"}),
            422,
            "validation-error",
            "/expires_at",
        ),
        Case(
            "no zone",
            c({"name": "x", "expires_at": "2030-01-01T00:00:00"}),
            422,
            "validation-error",
            "/expires_at",
        ),
        Case(
            "date only", c({"name": "x", "expires_at": "2030-01-01"}), 422, "validation-error", "/expires_at"
        ),
        Case(
            "year 0",
            c({"name": "x", "expires_at": "0000-01-01T00:00:00Z"}),
            422,
            "validation-error",
            "/expires_at",
        ),
        Case(
            "year 9999",
            c({"name": "x", "expires_at": "9999-12-31T23:59:59Z"}),
            422,
            "validation-error",
            "/expires_at",
        ),
        Case(
            "offset +25:00",
            c({"name": "x", "expires_at": "2030-01-01T00:00:00+25:00"}),
            422,
            "validation-error",
            "/expires_at",
        ),
        Case(
            "epoch number", c({"name": "x", "expires_at": 1900000000}), 422, "validation-error", "/expires_at"
        ),
        Case(
            "past date",
            c({"name": "x", "expires_at": "2001-01-01T00:00:00Z"}),
            422,
            "validation-error",
            "/expires_at",
        ),
        Case(
            "both expiries",
            c({"name": "x", "expires_at": "2099-01-01T00:00:00Z", "expires_in_seconds": 60}),
            422,
            "validation-error",
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
