"""The Lambda authorizer allows a valid key with its context (environment empty for a tenant-wide
key), reading the Authorization header then the identity source, and records the use."""

from __future__ import annotations

from tests.helpers import handler_of
from tests.support.client import Client as Api
from tests.support.client import authorize, authorizer_event
from tests.support.verification import admin_key, fetch


def test_the_authorizer_allows_a_valid_key_with_its_context_and_records_the_use(api: Api) -> None:
    created = admin_key(api, scopes=["read", "write"], environment_id="env_prod")
    result = authorize(f"Bearer {created['key']}", source_ip="198.51.100.77")
    assert result == {
        "isAuthorized": True,
        "context": {
            "key_id": created["id"],
            "tenant_id": "acme",
            "owner_type": "user",
            "owner_id": "u_1",
            "scopes": "read write",
            "environment_id": "env_prod",
        },
    }
    assert all(isinstance(v, str) for v in result["context"].values())
    seen = fetch(api, created["id"])
    assert (seen["last_used_ip"], seen["last_used_user_agent"]) == ("198.51.100.77", "partner-sdk/2.1")


def test_the_authorizer_reads_the_authorization_header_then_the_identity_source(api: Api) -> None:
    created = admin_key(api)
    event = authorizer_event(f"Bearer {created['key']}")
    event["headers"]["authorization"] = "Bearer ks_not_this_one"
    assert handler_of("authorizer")(event, None) == {"isAuthorized": False}  # the header wins
    del event["headers"]["authorization"]
    assert handler_of("authorizer")(event, None)["isAuthorized"] is True  # identitySource without headers


def test_a_tenant_wide_keys_context_has_an_empty_environment(api: Api) -> None:
    created = admin_key(api)
    assert authorize(f"bearer {created['key']}")["context"]["environment_id"] == ""
