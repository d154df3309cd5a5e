"""Hostile JWT keys: forged algorithms (none, HS256 with the public key), wrong typ, another
deploy's prefix, unknown or wrong kid, tampered payload or signature, exp/nbf outside their window,
another issuer, oversized and non-base64url segments. Each is MALFORMED on verify (a genuine JWT
presented before its nbf: NOT_YET_VALID), denied by the authorizer and 401 on the management API,
never a 5xx, and costs no DynamoDB request at all.
A session presented as a key and a key presented as a session are refused too."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from keysmith.auth.sessions import session_verifier
from keysmith.domain.problems import Problem
from tests.helpers import count_requests
from tests.support.client import Client as Api
from tests.support.client import authorize
from tests.support.jwt_keys import hostile_tokens
from tests.support.verification import admin_key, verify


def genuine_key(api: Api) -> dict[str, object]:
    return admin_key(api, format="jwt", scopes=["read", "keys:read"], expires_in_seconds=3600)


def test_every_hostile_jwt_is_refused_everywhere_without_a_database_call(api: Api, tmp_path: Path) -> None:
    created = genuine_key(api)
    genuine = str(created["key"])
    assert verify(api, {"key": genuine}).body["code"] == "VALID"  # the real one passes
    tokens = hostile_tokens(genuine, tmp_path)
    assert len(tokens) >= 20
    for name, token in tokens.items():
        with count_requests(api.parts.store.client) as counts:
            verdict = verify(api, {"key": token})
            decision = authorize(f"Bearer {token}")
            management = api.request("GET", f"/v1/api-keys/{created['id']}", token=token)
        # Signed by this deploy and whole, only early: refused as not yet valid, still with no read.
        code = "NOT_YET_VALID" if name == "not yet valid (nbf)" else "MALFORMED"
        assert verdict.status == 200 and verdict.body == {"valid": False, "code": code}, name
        assert decision == {"isAuthorized": False}, name
        assert management.status == 401, (name, management.text)
        assert str(management.header("WWW-Authenticate")).startswith("Bearer"), name
        assert sum(counts.values()) == 0, (name, counts)


def test_a_session_presented_as_a_key_is_malformed_and_denied(api: Api) -> None:
    session = api.session("u_1", "acme", ["admin"])
    with count_requests(api.parts.store.client) as counts:
        assert verify(api, {"key": session}).body == {"valid": False, "code": "MALFORMED"}
        assert authorize(f"Bearer {session}") == {"isAuthorized": False}
    assert sum(counts.values()) == 0


def test_a_jwt_key_is_never_a_session(api: Api) -> None:
    """The session verifier refuses a JWT key (another issuer's key, another typ), and on the
    management API a JWT key acts as an API key: it may not create a key for a person (rule 3)."""
    created = admin_key(api, format="jwt", scopes=["read", "keys:read", "keys:write"])
    with pytest.raises(Problem) as refused:
        session_verifier().verify(str(created["key"]))
    assert refused.value.status == 401
    whoami = api.request("GET", f"/v1/api-keys/{created['id']}", token=created["key"])
    assert whoami.status == 200  # a key with keys:read of its owner (u_1) reads its own key
    mint = api.request("POST", "/v1/api-keys", token=created["key"], json_body={"name": "for a person"})
    assert mint.status == 403, mint.text


def test_a_jwt_key_carries_its_not_before_as_nbf_and_is_not_yet_valid_before_it(api: Api) -> None:
    starts = int(time.time()) + 3600
    created = admin_key(
        api, format="jwt", scopes=["read"], not_before=datetime.fromtimestamp(starts, UTC).isoformat()
    )
    claims = json.loads(base64.urlsafe_b64decode(str(created["key"]).split(".")[1] + "=="))
    assert claims["nbf"] == starts
    with count_requests(api.parts.store.client) as counts:
        verdict = verify(api, {"key": created["key"]})
        decision = authorize(f"Bearer {created['key']}")
    assert verdict.body == {"valid": False, "code": "NOT_YET_VALID"}
    assert decision == {"isAuthorized": False}
    assert sum(counts.values()) == 0, counts
