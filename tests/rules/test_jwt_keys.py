"""JWT-format keys under the one lifecycle: what is minted (the exact header, the claims, only the
digest stored), the format on create, rotate and the resource, and the same guarantees as opaque
keys on verify, the authorizer and the management API: a suspension or revocation holds on the
next check."""

from __future__ import annotations

import base64
import calendar
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from keysmith.domain.jwt_key import fixed_start
from local.stack import LOCAL_KEY_ISSUER
from tests.support.client import Client as Api
from tests.support.client import authorize
from tests.support.jwt_keys import parts, this_deploys_key
from tests.support.verification import admin_key, set_item, verify


def test_a_jwt_key_has_the_fixed_header_its_claims_and_only_its_digest_is_stored(api: Api) -> None:
    created = admin_key(
        api, format="jwt", scopes=["read", "write"], environment_id="env_prod", expires_in_seconds=3600
    )
    token = created["key"]
    head, body, signature = token.split(".")
    header, claims = parts(token)
    assert base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)) == (
        f'{{"alg":"ES256","typ":"ks+jwt","kid":"{this_deploys_key().kid}"}}'.encode()
    )
    assert header["kid"] == this_deploys_key().kid
    assert token.startswith(fixed_start("ks")) and token.startswith(
        "eyJhbGciOiJFUzI1NiIsInR5cCI6ImtzK2p3dCIsImtpZCI6"
    )
    assert list(claims) == [
        "iss",
        "sub",
        "owner_type",
        "tenant_id",
        "environment_id",
        "scope",
        "jti",
        "iat",
        "exp",
    ]
    assert claims["iss"] == LOCAL_KEY_ISSUER
    assert (claims["sub"], claims["owner_type"], claims["tenant_id"]) == ("u_1", "user", "acme")
    assert (claims["environment_id"], claims["scope"], claims["jti"]) == (
        "env_prod",
        "read write",
        created["id"],
    )
    assert abs(claims["iat"] - time.time()) < 60
    assert claims["exp"] == calendar.timegm(time.strptime(created["expires_at"], "%Y-%m-%dT%H:%M:%SZ"))
    assert created["format"] == "jwt"
    assert (created["prefix"], created["last_four"]) == (token[:7], token[-4:])
    item = api.stored(created["id"])
    assert item["key_hash"] == {"S": hashlib.sha256(token.encode()).hexdigest()}
    assert item["format"] == {"S": "jwt"}
    text = json.dumps(item)
    assert token not in text and signature not in text and body not in text


def test_a_tenant_wide_key_that_never_expires_has_no_environment_or_exp_claim(api: Api) -> None:
    created = admin_key(api, format="jwt")
    _, claims = parts(created["key"])
    assert "environment_id" not in claims and "exp" not in claims
    assert claims["scope"] == "read"


def test_the_same_checks_as_an_opaque_key_and_revocation_holds_on_the_next_check(api: Api) -> None:
    admin = api.session("u_1", "acme", ["admin"])
    created = admin_key(api, format="jwt", scopes=["read", "keys:read"], environment_id="env_prod")
    key, key_id = created["key"], created["id"]

    def code(**asked: Any) -> str:
        return str(verify(api, {"key": key, **asked}).body["code"])

    assert code() == "VALID" and code(required_scopes=["read"], environment_id="env_prod") == "VALID"
    assert verify(api, {"key": key}).body["key"]["id"] == key_id
    assert code(required_scopes=["write"]) == "INSUFFICIENT_SCOPE"
    assert code(environment_id="env_dev") == "WRONG_ENVIRONMENT"
    allowed = authorize(f"Bearer {key}")
    assert allowed["isAuthorized"] is True and allowed["context"]["key_id"] == key_id
    assert api.get_key(key, key_id).status == 200
    assert api.get_key(admin, key_id).body["last_used_at"] is not None

    api.suspend_key(admin, key_id)
    assert code() == "SUSPENDED" and authorize(f"Bearer {key}") == {"isAuthorized": False}
    assert api.get_key(key, key_id).status == 401
    api.activate_key(admin, key_id)
    assert code() == "VALID"
    api.revoke_key(admin, key_id)
    assert code() == "REVOKED" and authorize(f"Bearer {key}") == {"isAuthorized": False}
    assert api.get_key(key, key_id).status == 401


def test_a_shortened_expiry_holds_before_the_jwts_own_exp(api: Api) -> None:
    created = admin_key(api, format="jwt", expires_in_seconds=3600)
    set_item(api, created["id"], expires_at={"N": str(int(time.time()) - 1)})
    assert verify(api, {"key": created["key"]}).body["code"] == "EXPIRED"


def test_a_genuine_jwt_whose_stored_digest_differs_is_not_found(api: Api) -> None:
    created = admin_key(api, format="jwt")
    set_item(api, created["id"], key_hash={"S": "00" * 32})
    assert verify(api, {"key": created["key"]}).body["code"] == "NOT_FOUND"


def test_rotation_keeps_the_format_unless_told(api: Api) -> None:
    admin = api.session("u_1", "acme", ["admin"])
    jwt_key = admin_key(api, format="jwt", scopes=["read"])
    successor = api.rotate_key(admin, jwt_key["id"])
    assert successor.status == 201 and successor.body["format"] == "jwt"
    assert successor.body["key"].count(".") == 2
    assert verify(api, {"key": successor.body["key"]}).body["code"] == "VALID"
    assert verify(api, {"key": jwt_key["key"]}).body["code"] == "REVOKED"
    to_opaque = api.rotate_key(admin, successor.body["id"], {"format": "opaque"})
    assert to_opaque.status == 201 and to_opaque.body["format"] == "opaque"
    assert to_opaque.body["key"].startswith("ks_")
    back = api.rotate_key(admin, to_opaque.body["id"], {"format": "jwt", "grace_period_seconds": 60})
    assert back.status == 201 and back.body["format"] == "jwt"
    assert verify(api, {"key": to_opaque.body["key"]}).body["code"] == "VALID"  # in its grace period
    assert api.rotate_key(admin, back.body["id"], {"format": "pem"}).status == 422


def test_the_deploys_default_format_applies_when_none_is_asked(make_api: Callable[..., Api]) -> None:
    api = make_api(default_key_format="jwt")
    assert admin_key(api)["format"] == "jwt"
    assert admin_key(api, format="opaque")["format"] == "opaque"
    reply = api.create_key(api.session("u_1", "acme"), "x", format="JWT")
    assert reply.status == 422 and reply.body["errors"][0]["pointer"] == "/format"


def test_a_deploy_without_a_signing_key_refuses_jwt_keys_and_still_makes_opaque_ones(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(signing_key="")
    reply = api.create_key(api.session("u_1", "acme"), "x", format="jwt")
    assert reply.status == 422 and reply.body["errors"][0]["pointer"] == "/format"
    assert admin_key(api)["format"] == "opaque"


def test_a_key_stored_before_jwt_keys_existed_reads_as_opaque(api: Api) -> None:
    created = admin_key(api)
    set_item(api, created["id"], remove=("format",))
    assert "format" not in api.stored(created["id"])
    assert api.get_key(api.session("u_1", "acme", ["admin"]), created["id"]).body["format"] == "opaque"
    assert verify(api, {"key": created["key"]}).body["code"] == "VALID"
