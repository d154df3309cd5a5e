"""GET /v1/whoami answers the authorizer's principal."""

from __future__ import annotations

from tests.support.client import Client as Api
from tests.support.client import authorize, whoami
from tests.support.verification import admin_key


def test_whoami_answers_the_authorizers_principal(api: Api) -> None:
    created = admin_key(api, scopes=["read", "write"], environment_id="env_prod")
    decision = authorize(f"Bearer {created['key']}")
    reply = whoami(decision["context"])
    assert reply.status == 200
    assert reply.header("X-Request-Id")
    assert reply.body == {
        "key_id": created["id"],
        "tenant_id": "acme",
        "owner": {"type": "user", "id": "u_1"},
        "scopes": ["read", "write"],
        "environment_id": "env_prod",
    }
    tenant_wide = admin_key(api, scopes=["read"])
    reply = whoami(authorize(f"Bearer {tenant_wide['key']}")["context"])
    assert reply.body["environment_id"] is None and reply.body["scopes"] == ["read"]
