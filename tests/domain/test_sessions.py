"""Session JWTs: signature, algorithm, issuer, audience, expiry and the claims we read."""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from keysmith.auth.sessions import SessionVerifier, StaticJwks
from keysmith.domain.principals import SESSION, USER
from keysmith.domain.problems import Problem
from keysmith.settings import Settings
from local.sessions import LOCAL_AUDIENCE, LOCAL_ISSUER, SessionSigner
from tests.support.sessions import session_claims

SIGNER = SessionSigner.generate()
SETTINGS = Settings(
    table_name="t",
    jwks_url="https://issuer.invalid/jwks.json",
    jwt_issuer=LOCAL_ISSUER,
    jwt_audience=LOCAL_AUDIENCE,
)


def verifier(settings: Settings = SETTINGS, jwks: dict | None = None) -> SessionVerifier:
    return SessionVerifier(settings, StaticJwks(jwks or SIGNER.jwks()))


def sign(payload: dict[str, object], **headers: object) -> str:
    return jwt.encode(
        payload, SIGNER.private_key(), algorithm="RS256", headers={"kid": SIGNER.kid, **headers}
    )


def refused(token: str, v: SessionVerifier | None = None) -> Problem:
    with pytest.raises(Problem) as caught:
        (v or verifier()).verify(token)
    assert caught.value.status == 401
    return caught.value


def test_a_good_session_becomes_a_user_principal() -> None:
    principal = verifier().verify(sign(session_claims()))
    assert principal.kind == SESSION
    assert (principal.tenant_id, principal.owner_type, principal.owner_id) == ("acme", USER, "u_1")
    assert principal.is_admin
    assert principal.scopes is None  # sessions hold every scope


def test_configured_claim_names_are_used() -> None:
    settings = Settings(
        table_name="t",
        jwks_url="https://x.invalid/j",
        jwt_issuer=LOCAL_ISSUER,
        jwt_audience=LOCAL_AUDIENCE,
        tenant_claim="org",
        roles_claim="groups",
    )
    token = sign(session_claims(tenant_id=None, roles=None, org="globex", groups=["admin", "billing"]))
    principal = verifier(settings).verify(token)
    assert principal.tenant_id == "globex" and principal.roles == {"admin", "billing"}


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        (lambda: session_claims(exp=int(time.time()) - 3600), "expired"),
        (lambda: session_claims(nbf=int(time.time()) + 3600), "not valid"),
        (lambda: session_claims(iss="https://evil.example/"), "not valid"),
        (lambda: session_claims(aud="someone-else"), "not valid"),
        (lambda: session_claims(exp=None), "not valid"),
        (lambda: session_claims(sub=None), "not valid"),
        (lambda: session_claims(tenant_id=None), "tenant_id"),
        (lambda: session_claims(tenant_id="acme#user#x"), "tenant_id"),
        (lambda: session_claims(sub="a b"), "subject"),
        (lambda: session_claims(roles={"admin": True}), "roles"),
    ],
)
def test_bad_claims_are_401(payload: Callable[[], dict[str, object]], detail: str) -> None:
    # the claims are made when the test runs: made at collection, a long run would see them expire
    assert detail in refused(sign(payload())).detail


def test_alg_none_is_refused() -> None:
    token = jwt.encode(session_claims(), key=None, algorithm="none", headers={"kid": SIGNER.kid})  # type: ignore[arg-type]
    refused(token)


def test_hs256_signed_with_the_public_key_is_refused() -> None:
    public_pem = (
        SIGNER.private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": SIGNER.kid}
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(session_claims()).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    refused(f"{signing_input}.{b64(signature)}")


def test_another_signers_token_and_unknown_kid_are_refused() -> None:
    other = SessionSigner.generate()
    token, _ = other.mint("u_1", "acme", issuer=LOCAL_ISSUER, audience=LOCAL_AUDIENCE)
    refused(token)
    refused(sign(session_claims(), kid="nope"))


def test_es256_sessions_are_accepted() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": "ec1", "alg": "ES256"})
    token = jwt.encode(session_claims(), key, algorithm="ES256", headers={"kid": "ec1"})
    assert verifier(jwks={"keys": [jwk]}).verify(token).owner_id == "u_1"


@pytest.mark.parametrize("token", ["a.b.c", "..", "eyJhbGciOiJSUzI1NiJ9..", "x" * 50 + "." + "y" * 50 + ".z"])
def test_garbage_tokens_are_401(token: str) -> None:
    refused(token)


def test_sessions_are_refused_when_the_deploy_has_no_issuer() -> None:
    unconfigured = Settings(table_name="t")
    assert "not configured" in refused(sign(session_claims()), verifier(unconfigured)).detail
