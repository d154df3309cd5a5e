"""The Lambda authorizer denies every key that is not valid, and never allows on a store fault."""

from __future__ import annotations

import pytest

from keysmith.domain import key_format as tokens
from keysmith.domain.ports import StoreUnavailable
from tests.support.client import Client as Api
from tests.support.client import authorize
from tests.support.hardening import FaultInjector
from tests.support.verification import admin_key, expire, fetch, revoke, suspend


@pytest.mark.parametrize(
    "arrange",
    ["missing", "basic", "empty", "malformed", "unknown", "session", "suspended", "revoked", "expired"],
)
def test_the_authorizer_denies(api: Api, arrange: str) -> None:
    created = admin_key(api)
    header: str | None = f"Bearer {created['key']}"
    match arrange:
        case "missing":
            header = None
        case "basic":
            header = "Basic dXNlcjpwYXNz"
        case "empty":
            header = "Bearer "
        case "malformed":
            header = "Bearer ks_123"
        case "unknown":
            header = f"Bearer {tokens.generate('ks')}"
        case "session":
            header = f"Bearer {api.session('u_1', 'acme')}"  # the authorizer takes API keys only
        case "suspended":
            suspend(api, created)
        case "revoked":
            revoke(api, created)
        case "expired":
            expire(api, created)
    assert authorize(header) == {"isAuthorized": False}
    assert fetch(api, created["id"])["last_used_at"] is None


def test_the_authorizer_never_allows_on_a_store_fault(api: Api) -> None:
    created = admin_key(api)
    with (
        FaultInjector(api.parts.store.client, "GetItem", "throttling").active(),
        pytest.raises(StoreUnavailable),
    ):
        authorize(f"Bearer {created['key']}")  # raised: API Gateway answers 500, never lets it through
