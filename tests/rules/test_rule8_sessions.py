"""Rule 8: a session's roles claim is a JSON array of strings; its ``alg`` is the algorithm of the
JWKS key its ``kid`` names; a key the issuer removed from its JWKS stops being trusted within the
JWKS cache lifetime (at most 5 minutes)."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import jwt
import jwt.jwk_set_cache
import jwt.jwks_client
import pytest

from keysmith.auth.sessions import JWKS_CACHE_SECONDS, SessionVerifier, StaticJwks
from keysmith.domain.problems import Problem
from keysmith.settings import Settings
from local.sessions import LOCAL_AUDIENCE, LOCAL_ISSUER, SessionSigner

SIGNER = SessionSigner.generate()


def settings(jwks_url: str = "https://issuer.invalid/jwks.json") -> Settings:
    return Settings(table_name="t", jwks_url=jwks_url, jwt_issuer=LOCAL_ISSUER, jwt_audience=LOCAL_AUDIENCE)


def refusal(verifier: SessionVerifier, token: str) -> Problem:
    with pytest.raises(Problem) as caught:
        verifier.verify(token)
    return caught.value


@pytest.mark.parametrize("roles", ["not an admin", "admin", None, {"admin": True}, ["admin", 1]])
def test_a_roles_claim_that_is_not_an_array_of_strings_is_401(roles: Any) -> None:
    token, _ = SIGNER.mint("u_1", "acme", extra={"roles": roles})
    problem = refusal(SessionVerifier(settings(), StaticJwks(SIGNER.jwks())), token)
    assert problem.status == 401 and "roles" in problem.detail


def test_an_array_of_roles_still_makes_an_admin() -> None:
    token, _ = SIGNER.mint("u_1", "acme", ["admin"])
    assert SessionVerifier(settings(), StaticJwks(SIGNER.jwks())).verify(token).is_admin


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize("alg", ["ES256", "HS256", "none", "PS256"])
def test_an_alg_that_is_not_the_keys_is_401_not_a_crash(alg: str) -> None:
    """The issuer's RSA kid with ``alg: ES256`` used to raise TypeError inside PyJWT (a 500)."""
    header = {"alg": alg, "typ": "JWT", "kid": SIGNER.kid}
    payload = {"sub": "u_1", "tenant_id": "acme", "iss": LOCAL_ISSUER, "aud": LOCAL_AUDIENCE}
    token = f"{_b64(header)}.{_b64(payload)}.{base64.urlsafe_b64encode(b'x' * 64).decode().rstrip('=')}"
    assert refusal(SessionVerifier(settings(), StaticJwks(SIGNER.jwks())), token).status == 401


class _Jwks:
    """An issuer's JWKS endpoint on 127.0.0.1 whose document the test changes, counting fetches."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.fetches = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.fetches += 1
                body = json.dumps(owner.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def issuer() -> Iterator[_Jwks]:
    endpoint = _Jwks(SIGNER.jwks())
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The monotonic clock PyJWT's JWKS cache and refresh cool-down read, moved by the test."""
    state = SimpleNamespace(now=time.monotonic())
    fake = SimpleNamespace(monotonic=lambda: state.now, time=time.time)
    monkeypatch.setattr(jwt.jwk_set_cache, "time", fake)
    monkeypatch.setattr(jwt.jwks_client, "time", fake)
    return state


def test_a_key_removed_from_the_jwks_stops_being_trusted_within_the_cache_lifetime(
    issuer: _Jwks, clock: SimpleNamespace
) -> None:
    assert JWKS_CACHE_SECONDS <= 300
    verifier = SessionVerifier(settings(issuer.url))
    token, _ = SIGNER.mint("u_1", "acme")
    assert verifier.verify(token).owner_id == "u_1"
    assert issuer.fetches == 1
    issuer.document = {"keys": []}  # the issuer removes its key
    clock.now += JWKS_CACHE_SECONDS - 1
    assert verifier.verify(token).owner_id == "u_1"  # still inside the cache lifetime: no fetch
    assert issuer.fetches == 1
    clock.now += 2  # past the lifetime: the set is fetched again and the key is gone
    assert refusal(verifier, token).status == 401
    assert issuer.fetches >= 2
    other = SessionSigner.generate()
    issuer.document = other.jwks()  # a set without the old key: the old token is unknown, 401
    clock.now += JWKS_CACHE_SECONDS + 1
    assert refusal(verifier, token).status == 401
    fresh, _ = other.mint("u_2", "acme")
    assert verifier.verify(fresh).owner_id == "u_2"
