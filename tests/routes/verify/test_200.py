"""POST /v1/verify answers 200: a valid key's principal, every invalid code alone, tenant-wide keys,
null as absent, and the optional cache."""

from __future__ import annotations

from typing import Any

import pytest

from keysmith import wiring
from local.dynamo_calls import counting
from tests.support.client import Client as Api
from tests.support.verification import CASES, admin_key, arrange_case, fetch, revoke, verify


def test_a_valid_key_answers_its_principal(api: Api) -> None:
    created = admin_key(
        api,
        scopes=["read", "write"],
        environment_id="env_prod",
        metadata={"team": "billing"},
        expires_in_seconds=3600,
    )
    reply = verify(api, {"key": created["key"], "required_scopes": ["write"], "environment_id": "env_prod"})
    assert reply.status == 200, reply.text
    assert reply.header("Content-Type") == "application/json"
    assert reply.header("Cache-Control") == "no-store"
    assert reply.header("X-Request-Id")
    assert reply.body == {
        "valid": True,
        "code": "VALID",
        "key": {
            "id": created["id"],
            "tenant_id": "acme",
            "owner": {"type": "user", "id": "u_1"},
            "scopes": ["read", "write"],
            "environment_id": "env_prod",
            "expires_at": created["expires_at"],
            "metadata": {"team": "billing"},
        },
    }
    assert created["key"] not in reply.text


@pytest.mark.parametrize(("code", "arrange", "body"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_every_invalid_code_is_200_with_the_code_alone(
    api: Api, code: str, arrange: Any, body: dict[str, Any]
) -> None:
    created, key = arrange_case(api, arrange)
    reply = verify(api, {"key": key, **body})
    assert reply.status == 200, reply.text
    assert reply.body == {"valid": False, "code": code}
    assert fetch(api, created["id"])["last_used_at"] is None  # only VALID records a use


def test_a_tenant_wide_key_is_valid_in_any_environment(api: Api) -> None:
    created = admin_key(api)
    assert verify(api, {"key": created["key"], "environment_id": "env_anything"}).body["code"] == "VALID"


def test_optional_fields_accept_null_as_absent(api: Api) -> None:
    created = admin_key(api)
    body = {
        "key": created["key"],
        "required_scopes": None,
        "environment_id": None,
        "client_ip": None,
        "user_agent": None,
    }
    assert verify(api, body).body["code"] == "VALID"


def test_with_a_cache_a_warm_container_reads_once_per_ttl(make_api: Any) -> None:
    api = make_api(verify_cache_ttl_seconds=30)
    created = admin_key(api)
    client = api.parts.store.client
    with counting(client) as calls:
        for _ in range(5):
            assert verify(api, {"key": created["key"]}).body["valid"]
    assert calls.count("GetItem") == 1
    revoke(api, created)
    assert verify(api, {"key": created["key"]}).body["code"] == "VALID"  # up to the TTL: the documented cost
    wiring.verifier().forget()
    assert verify(api, {"key": created["key"]}).body["code"] == "REVOKED"
