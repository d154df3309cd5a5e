"""Hostile credentials: forged session JWTs (alg none, HS256 with the public key, wrong issuer or
audience, expired, not yet valid, no or unknown kid, tampered) and broken API keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization

from keysmith.domain import key_format as tokens
from tests.helpers import Reply
from tests.support.hostile import (
    Case,
    Ctx,
    _figures,
    ctx,
    get_as,
    run_cases,
    send_as,
)
from tests.support.sessions import session_claims

__all__ = ["_figures", "ctx"]

# --- session tokens ------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(c: Ctx, headers: dict[str, Any] | None = None, **claims: Any) -> str:
    return jwt.encode(
        session_claims(**claims),
        c.signer_private,
        algorithm="RS256",
        headers={"kid": c.signer_kid, **(headers or {})},
    )


def alg_none(c: Ctx) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": c.signer_kid}).encode())
    return f"{header}.{_b64(json.dumps(session_claims()).encode())}."


def hs256_with_public_key(c: Ctx) -> str:
    public_pem = c.signer_private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": c.signer_kid}).encode())
    payload = _b64(json.dumps(session_claims()).encode())
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def no_kid(c: Ctx) -> str:
    return jwt.encode(session_claims(), c.signer_private, algorithm="RS256")


def tampered_payload(c: Ctx) -> str:
    header, _, signature = signed(c).split(".")
    return f"{header}.{_b64(json.dumps(session_claims(tenant_id='globex')).encode())}.{signature}"


def creating_as(credential: Callable[[Ctx], str]) -> Callable[[Ctx], Reply]:
    """A create of a valid body bearing ``credential``'s token."""
    return send_as(credential, "POST", "/v1/api-keys", '{"name":"x"}')


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
        cases.append(Case(f"jwt {name} (create)", creating_as(make), 401, "unauthenticated"))
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
        Case("api key: read key creating", creating_as(lambda c: c.read_key), 403, "forbidden"),
    ]


def test_hostile_credentials_get_the_right_problem_and_change_nothing(ctx: Ctx, subtests: Any) -> None:
    run_cases(ctx, subtests, session_cases() + key_credential_cases())
