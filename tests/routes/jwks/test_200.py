"""GET /.well-known/jwks.json: the public halves of the trusted signing keys, public and cacheable."""

from __future__ import annotations

import base64

import jwt

from keysmith import wiring
from tests.support.client import Client as Api
from tests.support.jwt_keys import this_deploys_key


def test_the_jwks_lists_the_signing_key_publicly_for_five_minutes(api: Api) -> None:
    reply = api.request("GET", "/.well-known/jwks.json")
    assert reply.status == 200
    assert reply.header("Cache-Control") == "public, max-age=300"
    assert reply.header("Content-Type") == "application/json"
    assert reply.header("X-Request-Id")
    (key,) = reply.body["keys"]
    assert set(key) == {"kid", "kty", "crv", "x", "y", "alg", "use"}
    assert (key["kid"], key["kty"], key["crv"], key["alg"], key["use"]) == (
        this_deploys_key().kid,
        "EC",
        "P-256",
        "ES256",
        "sig",
    )
    assert all(len(base64.urlsafe_b64decode(key[c] + "=")) == 32 for c in ("x", "y"))
    created = api.created_key(api.session("u_1", "acme"), "offline", format="jwt")
    claims = jwt.decode(
        created["key"], jwt.PyJWK(key).key, algorithms=["ES256"], issuer=wiring.settings().key_issuer
    )
    assert claims["jti"] == created["id"]


def test_no_credential_is_needed_and_one_is_ignored(api: Api) -> None:
    reply = api.request("GET", "/.well-known/jwks.json", token="ks_not-a-key")
    assert reply.status == 200 and reply.body["keys"]


def test_the_internal_api_does_not_serve_it(api: Api) -> None:
    assert api.request("GET", "/internal/.well-known/jwks.json").status == 404
