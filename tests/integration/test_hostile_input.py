"""Hostile input, table-driven: every input gets the right 4xx problem (status, slug, pointer where
relevant), never a 5xx, and never changes a key (the table is snapshotted before and after).

Bodies (broken, truncated, deeply nested, non-UTF-8 JSON, wrong types, oversize fields and bodies,
control and bidi characters, unknown fields, impossible dates), query strings and cursors, ids,
headers, session JWTs (alg none, HS256 with the public key, wrong issuer or audience, expired,
not yet valid, no or unknown kid) and API keys. Lifecycle and verify routes join as they land.
A Hypothesis run then throws random bodies at create. The inputs tried are counted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keysmith.domain import key_format as tokens
from tests.hardening import record_figures, scale, snapshot
from tests.helpers import ROOT, Api, Reply, handler_of, make_event, route_table

PROBLEM = "application/problem+json"
TOTALS = {"inputs_tried": 0, "responses_5xx": 0, "keys_changed": 0, "wrong_answers": 0}
FOLDERS = {p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()}


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Any:
    yield
    record_figures("hostile-input", **TOTALS)


@dataclass
class Ctx:
    api: Api
    session: str
    admin: str
    key_id: str  # a key of the session's user
    read_key: str  # an API key (read) of the session's user
    cursor: str  # a real cursor of the session's listing
    signer_private: Any
    signer_kid: str
    extra: dict[str, Any] = field(default_factory=dict)


def raw(
    api: Api,
    method: str,
    path: str,
    *,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    base64_body: bool = False,
) -> Reply:
    """One request exactly as given (bytes bodies are sent base64-encoded, as API Gateway does)."""
    folder, route_key, params = "fallback", "$default", None
    for route_method, template, pattern, target in route_table():
        match = pattern.match(path)
        if match and route_method == method.upper():
            folder, route_key, params = target, f"{route_method} {template}", match.groupdict() or None
            break
    text: str | None
    if isinstance(body, bytes) or base64_body:
        data = body if isinstance(body, bytes) else (body or "").encode("utf-8", "surrogatepass")
        text = base64.b64encode(data).decode()
    else:
        text = body
    event = make_event(
        method, path, route_key=route_key, path_parameters=params, headers=headers, query=query, body=text
    )
    if isinstance(body, bytes) or base64_body:
        event["isBase64Encoded"] = True
    result = handler_of(folder)(event, None)
    return Reply(int(result["statusCode"]), dict(result.get("headers") or {}), result.get("body") or "")


@dataclass(frozen=True)
class Case:
    name: str
    send: Callable[[Ctx], Reply]
    status: int
    slug: str
    pointer: str | None = None


def create_with(body: Any, **headers: str) -> Callable[[Ctx], Reply]:
    def send(c: Ctx) -> Reply:
        text = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return raw(
            c.api,
            "POST",
            "/v1/api-keys",
            body=text,
            headers={"authorization": f"Bearer {c.session}", "content-type": "application/json", **headers},
        )

    return send


def get_as(credential: Callable[[Ctx], str], path: str = "/v1/api-keys") -> Callable[[Ctx], Reply]:
    return lambda c: raw(c.api, "GET", path, headers={"authorization": f"Bearer {credential(c)}"})


def list_with(query: dict[str, str] | Callable[[Ctx], dict[str, str]]) -> Callable[[Ctx], Reply]:
    def send(c: Ctx) -> Reply:
        q = query(c) if callable(query) else query
        return raw(c.api, "GET", "/v1/api-keys", headers={"authorization": f"Bearer {c.session}"}, query=q)

    return send


def get_id(key_id: str) -> Callable[[Ctx], Reply]:
    return lambda c: raw(
        c.api, "GET", f"/v1/api-keys/{key_id}", headers={"authorization": f"Bearer {c.session}"}
    )


# --- session tokens ------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": "https://keysmith.local/",
        "aud": "keysmith-local",
        "sub": "u_1",
        "tenant_id": "acme",
        "roles": ["admin"],
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def signed(c: Ctx, headers: dict[str, Any] | None = None, **claims: Any) -> str:
    return jwt.encode(
        _claims(**claims),
        c.signer_private,
        algorithm="RS256",
        headers={"kid": c.signer_kid, **(headers or {})},
    )


def alg_none(c: Ctx) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": c.signer_kid}).encode())
    return f"{header}.{_b64(json.dumps(_claims()).encode())}."


def hs256_with_public_key(c: Ctx) -> str:
    public_pem = c.signer_private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": c.signer_kid}).encode())
    payload = _b64(json.dumps(_claims()).encode())
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def no_kid(c: Ctx) -> str:
    return jwt.encode(_claims(), c.signer_private, algorithm="RS256")


def tampered_payload(c: Ctx) -> str:
    header, _, signature = signed(c).split(".")
    return f"{header}.{_b64(json.dumps(_claims(tenant_id='globex')).encode())}.{signature}"


def session_cases() -> list[Case]:
    now = int(time.time())
    tokens_: dict[str, Callable[[Ctx], str]] = {
        "alg none": alg_none,
        "HS256 signed with the public key": hs256_with_public_key,
        "wrong issuer": lambda c: signed(c, iss="https://evil.example/"),
        "wrong audience": lambda c: signed(c, aud="someone-else"),
        "expired": lambda c: signed(c, iat=now - 7200, nbf=now - 7200, exp=now - 3600),
        "not yet valid": lambda c: signed(c, iat=now + 3600, nbf=now + 3600, exp=now + 7200),
        "no kid": no_kid,
        "unknown kid": lambda c: signed(c, headers={"kid": "not-a-known-kid"}),
        "tampered payload": tampered_payload,
        "no exp": lambda c: signed(c, exp=None),
        "no sub": lambda c: signed(c, sub=None),
        "no tenant": lambda c: signed(c, tenant_id=None),
        "tenant with #": lambda c: signed(c, tenant_id="acme#user#u_1"),
        "sub not a string": lambda c: signed(c, sub=12345),
        "roles not a list of strings": lambda c: signed(c, roles=[{"admin": True}]),
        "three dots of garbage": lambda c: "a.b.c",
        "header not JSON": lambda c: f"{_b64(b'not json')}.{_b64(b'{}')}.sig",
        "huge token": lambda c: "a" * 4000 + "." + "b" * 4000 + "." + "c" * 400,
    }
    cases = []
    for name, make in tokens_.items():
        cases.append(Case(f"jwt {name} (list)", get_as(make), 401, "unauthenticated"))
        cases.append(
            Case(
                f"jwt {name} (create)",
                lambda c, make=make: raw(  # type: ignore[misc]
                    c.api,
                    "POST",
                    "/v1/api-keys",
                    body='{"name":"x"}',
                    headers={"authorization": f"Bearer {make(c)}", "content-type": "application/json"},
                ),
                401,
                "unauthenticated",
            )
        )
    return cases


def key_credential_cases() -> list[Case]:
    valid_unknown = tokens.generate("ks")
    bad_checksum = valid_unknown[:-1] + ("A" if valid_unknown[-1] != "A" else "B")
    return [
        Case("api key: unknown but well formed", get_as(lambda c: valid_unknown), 401, "unauthenticated"),
        Case("api key: bad checksum", get_as(lambda c: bad_checksum), 401, "unauthenticated"),
        Case("api key: other prefix", get_as(lambda c: "xx" + valid_unknown[2:]), 401, "unauthenticated"),
        Case("api key: truncated", get_as(lambda c: c.read_key[:-1]), 401, "unauthenticated"),
        Case("api key: non-ascii", get_as(lambda c: c.read_key[:-1] + "\u00e9"), 401, "unauthenticated"),
        Case(
            "api key: read key creating",
            lambda c: raw(
                c.api,
                "POST",
                "/v1/api-keys",
                body='{"name":"x"}',
                headers={"authorization": f"Bearer {c.read_key}", "content-type": "application/json"},
            ),
            403,
            "forbidden",
        ),
    ]


# --- the table -----------------------------------------------------------------------------------

NESTED = '{"name":"x","metadata":' + "[" * 40 + "]" * 40 + "}"
PADDED_OK_16384 = '{"name":"exactly sixteen KiB"}'.ljust(16384)


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


def _bad_base64(c: Ctx) -> Reply:
    event = make_event(
        "POST",
        "/v1/api-keys",
        route_key="POST /v1/api-keys",
        headers={"authorization": f"Bearer {c.session}", "content-type": "application/json"},
        body="!!!not base64!!!",
    )
    event["isBase64Encoded"] = True
    result = handler_of("create_key")(event, None)
    return Reply(int(result["statusCode"]), dict(result.get("headers") or {}), result.get("body") or "")


def _tampered_cursor(c: Ctx) -> dict[str, str]:
    data = json.loads(base64.urlsafe_b64decode(c.cursor + "=" * (-len(c.cursor) % 4)))
    data["owner_key"] = "acme#user#someone_else"
    raw_json = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return {"cursor": base64.urlsafe_b64encode(raw_json).decode().rstrip("=")}


def _flipped_cursor(c: Ctx) -> dict[str, str]:
    middle = len(c.cursor) // 2
    return {"cursor": c.cursor[:middle] + ("A" if c.cursor[middle] != "A" else "B") + c.cursor[middle + 1 :]}


def query_cases() -> list[Case]:
    cursor_cases = {
        "cursor garbage": {"cursor": "not-a-cursor"},
        "cursor base64 of {}": {"cursor": base64.urlsafe_b64encode(b"{}").decode()},
        "cursor base64 of a list": {"cursor": base64.urlsafe_b64encode(b"[1,2]").decode()},
        "cursor too long": {"cursor": "A" * 1025},
        "cursor with idem id": {
            "cursor": base64.urlsafe_b64encode(
                json.dumps(
                    {"id": "idem#acme#user:u_1#00", "created_sk": "x", "owner_key": "acme#user#u_1", "b": "x"}
                ).encode()
            ).decode()
        },
    }
    cases = [
        Case(name, list_with(q), 400, "malformed-request", "/cursor") for name, q in cursor_cases.items()
    ]
    cases += [
        Case("cursor tampered owner", list_with(_tampered_cursor), 400, "malformed-request", "/cursor"),
        Case("cursor flipped byte", list_with(_flipped_cursor), 400, "malformed-request", "/cursor"),
        Case(
            "cursor of another listing",
            list_with(lambda c: {"cursor": c.cursor, "status": "revoked"}),
            400,
            "malformed-request",
            "/cursor",
        ),
        Case(
            "cursor of another caller",
            lambda c: raw(
                c.api,
                "GET",
                "/v1/api-keys",
                query={"cursor": c.cursor},
                headers={"authorization": f"Bearer {c.admin}"},
            ),
            400,
            "malformed-request",
            "/cursor",
        ),
        Case("limit 0", list_with({"limit": "0"}), 400, "malformed-request", "/limit"),
        Case("limit 101", list_with({"limit": "101"}), 400, "malformed-request", "/limit"),
        Case("limit -1", list_with({"limit": "-1"}), 400, "malformed-request", "/limit"),
        Case("limit text", list_with({"limit": "ten"}), 400, "malformed-request", "/limit"),
        Case("limit huge", list_with({"limit": "9" * 40}), 400, "malformed-request", "/limit"),
        Case("status unknown", list_with({"status": "deleted"}), 400, "malformed-request", "/status"),
        Case(
            "owner_type unknown", list_with({"owner_type": "robot"}), 400, "malformed-request", "/owner_type"
        ),
        Case("owner_id with #", list_with({"owner_id": "u#1"}), 400, "malformed-request", "/owner_id"),
        Case(
            "environment_id traversal",
            list_with({"environment_id": "../../etc"}),
            400,
            "malformed-request",
            "/environment_id",
        ),
    ]
    return cases


def id_cases() -> list[Case]:
    ids = {
        "not a uuid": "not-a-uuid",
        "uuid v4": "3c90c3cc-0d44-4b50-a888-8dd25736052a",
        "upper case": "3C90C3CC-0D44-8B50-A888-8DD25736052A",
        "sql-ish": "1' OR '1'='1",
        "encoded traversal": "..%2F..%2Fetc%2Fpasswd",
        "dot dot": "..",
        "idempotency record id": "idem#acme#user:u_1#" + "0" * 64,
        "very long": "a" * 5000,
        "NUL": "abc\u0000def",
        "unicode": "\u202e\u0041",
    }
    cases = [Case(f"get id {name}", get_id(value), 404, "not-found") for name, value in ids.items()]
    cases += [
        Case(
            "path traversal",
            lambda c: raw(
                c.api,
                "GET",
                "/v1/api-keys/../../etc/passwd",
                headers={"authorization": f"Bearer {c.session}"},
            ),
            404,
            "not-found",
        ),
        Case(
            "double slash",
            lambda c: raw(c.api, "GET", "/v1/api-keys//", headers={"authorization": f"Bearer {c.session}"}),
            404,
            "not-found",
        ),
        Case("unknown path", lambda c: raw(c.api, "GET", "/v1/admin"), 404, "not-found"),
        Case("wrong method", lambda c: raw(c.api, "PUT", "/v1/api-keys"), 405, "method-not-allowed"),
        Case("TRACE", lambda c: raw(c.api, "TRACE", "/v1/api-keys"), 405, "method-not-allowed"),
    ]
    return cases


def header_cases() -> list[Case]:
    return [
        Case("no authorization", lambda c: raw(c.api, "GET", "/v1/api-keys"), 401, "unauthenticated"),
        Case(
            "basic auth",
            lambda c: raw(c.api, "GET", "/v1/api-keys", headers={"authorization": "Basic dXNlcjpwYXNz"}),
            401,
            "unauthenticated",
        ),
        Case(
            "bearer without credential",
            lambda c: raw(c.api, "GET", "/v1/api-keys", headers={"authorization": "Bearer "}),
            401,
            "unauthenticated",
        ),
        Case(
            "authorization 64 KiB",
            lambda c: raw(c.api, "GET", "/v1/api-keys", headers={"authorization": "Bearer " + "k" * 65536}),
            401,
            "unauthenticated",
        ),
        Case(
            "authorization repeated (joined)",
            lambda c: raw(
                c.api,
                "GET",
                "/v1/api-keys",
                headers={"authorization": f"Bearer {c.read_key},Bearer {c.session}"},
            ),
            401,
            "unauthenticated",
        ),
        Case(
            "two credentials",
            lambda c: raw(
                c.api, "GET", "/v1/api-keys", headers={"authorization": f"Bearer {c.read_key} {c.session}"}
            ),
            401,
            "unauthenticated",
        ),
        Case(
            "huge unrelated header, no credential",
            lambda c: raw(c.api, "GET", "/v1/api-keys", headers={"x-junk": "j" * 100_000}),
            401,
            "unauthenticated",
        ),
        Case(
            "control characters in authorization",
            lambda c: raw(c.api, "GET", "/v1/api-keys", headers={"authorization": "Bearer \u0000\u0007"}),
            401,
            "unauthenticated",
        ),
    ]


def lifecycle_cases() -> list[Case]:
    """Hostile bodies on the lifecycle routes, once their functions exist."""
    cases: list[Case] = []

    def on(method: str, suffix: str, body: Any, **headers: str) -> Callable[[Ctx], Reply]:
        def send(c: Ctx) -> Reply:
            text = body if isinstance(body, (str, bytes)) else json.dumps(body)
            return raw(
                c.api,
                method,
                f"/v1/api-keys/{c.key_id}{suffix}",
                body=text,
                headers={
                    "authorization": f"Bearer {c.session}",
                    "content-type": "application/json",
                    **headers,
                },
            )

        return send

    if "update_key" in FOLDERS:
        cases += [
            Case("patch broken JSON", on("PATCH", "", '{"name":'), 400, "malformed-request"),
            Case("patch name a number", on("PATCH", "", {"name": 5}), 422, "validation-error", "/name"),
            Case("patch RLO name", on("PATCH", "", {"name": "a\u202eb"}), 422, "validation-error", "/name"),
            Case(
                "patch unknown field",
                on("PATCH", "", {"status": "active"}),
                422,
                "validation-error",
                "/status",
            ),
            Case(
                "patch scopes beyond allowed",
                on("PATCH", "", {"scopes": ["root"]}),
                422,
                "validation-error",
                "/scopes/0",
            ),
            Case(
                "patch impossible date",
                on("PATCH", "", {"expires_at": "2030-02-31T00:00:00Z"}),
                422,
                "validation-error",
                "/expires_at",
            ),
            Case("patch 16385 bytes", on("PATCH", "", '{"name":"x"}'.ljust(16385)), 413, "payload-too-large"),
            Case(
                "patch text/plain",
                on("PATCH", "", {"name": "x"}, **{"content-type": "text/plain"}),
                415,
                "unsupported-media-type",
            ),
        ]
    if "rotate_key" in FOLDERS:
        cases += [
            Case(
                "rotate grace -1",
                on("POST", "/rotate", {"grace_period_seconds": -1}),
                422,
                "validation-error",
                "/grace_period_seconds",
            ),
            Case(
                "rotate grace 604801",
                on("POST", "/rotate", {"grace_period_seconds": 604801}),
                422,
                "validation-error",
                "/grace_period_seconds",
            ),
            Case(
                "rotate grace text",
                on("POST", "/rotate", {"grace_period_seconds": "60"}),
                422,
                "validation-error",
                "/grace_period_seconds",
            ),
            Case(
                "rotate unknown field", on("POST", "/rotate", {"grace": 1}), 422, "validation-error", "/grace"
            ),
            Case("rotate broken JSON", on("POST", "/rotate", "{"), 400, "malformed-request"),
        ]
    for action in ("suspend", "activate", "revoke", "rotate"):
        if f"{action}_key" in FOLDERS:
            cases.append(
                Case(
                    f"{action} other tenant's key",
                    lambda c, a=action: raw(
                        c.api,
                        "POST",
                        f"/v1/api-keys/{c.extra['foreign_id']}/{a}",
                        headers={"authorization": f"Bearer {c.session}"},
                    ),
                    404,
                    "not-found",
                )
            )
            cases.append(
                Case(
                    f"{action} idem id",
                    lambda c, a=action: raw(
                        c.api,
                        "POST",
                        f"/v1/api-keys/idem%23acme/{a}",
                        headers={"authorization": f"Bearer {c.session}"},
                    ),
                    404,
                    "not-found",
                )
            )
    if "delete_key" in FOLDERS:
        cases.append(
            Case(
                "delete an active key",
                lambda c: raw(
                    c.api,
                    "DELETE",
                    f"/v1/api-keys/{c.key_id}",
                    headers={"authorization": f"Bearer {c.session}"},
                ),
                409,
                "conflict",
            )
        )
    if "verify" in FOLDERS:

        def verify(body: Any, **headers: str) -> Callable[[Ctx], Reply]:
            def send(c: Ctx) -> Reply:
                text = body if isinstance(body, (str, bytes)) else json.dumps(body)
                return raw(
                    c.api,
                    "POST",
                    "/v1/verify",
                    body=text,
                    headers={"content-type": "application/json", **headers},
                )

            return send

        cases += [
            Case("verify broken JSON", verify('{"key":'), 400, "malformed-request"),
            Case("verify array", verify("[]"), 400, "malformed-request"),
            Case("verify non-UTF-8", verify(b'{"key":"\xff"}'), 400, "malformed-request"),
            Case("verify 16385 bytes", verify('{"key":"x"}'.ljust(16385)), 413, "payload-too-large"),
            Case(
                "verify text/plain",
                verify('{"key":"x"}', **{"content-type": "text/plain"}),
                415,
                "unsupported-media-type",
            ),
            Case("verify no key", verify({}), 422, "validation-error", "/key"),
            Case(
                "verify unknown field", verify({"key": "x", "admin": True}), 422, "validation-error", "/admin"
            ),
        ]
    return cases


CASES = body_cases() + query_cases() + id_cases() + header_cases() + session_cases() + key_credential_cases()
CASES += lifecycle_cases()


@pytest.fixture
def ctx(api: Api, signer: Any) -> Ctx:
    session = api.session("u_1", "acme")
    admin = api.session("root", "acme", ["admin"])
    made = [api.request("POST", "/v1/api-keys", token=session, json_body={"name": f"k{i}"}) for i in range(3)]
    read_key = api.request("POST", "/v1/api-keys", token=session, json_body={"name": "reader"})
    foreign = api.request("POST", "/v1/api-keys", token=api.session("eve", "globex"), json_body={"name": "f"})
    assert all(r.status == 201 for r in [*made, read_key, foreign])
    page = api.request("GET", "/v1/api-keys", token=session, query={"limit": "2"})
    assert page.body["next_cursor"]
    return Ctx(
        api=api,
        session=session,
        admin=admin,
        key_id=made[0].body["id"],
        read_key=read_key.body["key"],
        cursor=page.body["next_cursor"],
        signer_private=signer.private_key(),
        signer_kid=signer.kid,
        extra={"foreign_id": foreign.body["id"]},
    )


def check(reply: Reply, case: Case) -> None:
    TOTALS["inputs_tried"] += 1
    if reply.status >= 500:
        TOTALS["responses_5xx"] += 1
    ok = reply.status == case.status
    try:
        assert reply.status == case.status, f"{case.name}: {reply.status} {reply.text[:300]}"
        assert reply.header("Content-Type") == PROBLEM, case.name
        body = reply.body
        assert body["type"] == f"urn:keysmith:problem:{case.slug}", (case.name, body)
        assert body["status"] == case.status and body["title"] and body["request_id"]
        if case.status == 401:
            assert (
                reply.header(
                    "WWW-Authenticate",
                )
                is not None
            ), case.name
        if case.pointer is not None:
            pointers = [e["pointer"] for e in body.get("errors") or []]
            assert case.pointer in pointers, (case.name, body)
    except AssertionError:
        ok = False
        raise
    finally:
        if not ok:
            TOTALS["wrong_answers"] += 1


def test_hostile_inputs_get_the_right_problem_and_change_nothing(ctx: Ctx, subtests: Any) -> None:
    client, table = ctx.api.parts.store.client, ctx.api.parts.store.table
    before = snapshot(client, table)
    for case in CASES:
        with subtests.test(msg=case.name):
            check(case.send(ctx), case)
    after = snapshot(client, table)
    usage = ("last_used_at", "last_used_ip", "last_used_user_agent")
    strip = {k: {n: v for n, v in i.items() if n not in usage} for k, i in after.items()}
    strip_before = {k: {n: v for n, v in i.items() if n not in usage} for k, i in before.items()}
    if strip != strip_before:
        TOTALS["keys_changed"] += 1
    assert strip == strip_before, {"added": set(after) - set(before), "removed": set(before) - set(after)}


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
