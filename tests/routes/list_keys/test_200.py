"""GET /v1/api-keys answers 200: newest first in cursor pages, and every filter (status, owner,
environment) within what the caller may see, each cursor bound to its filters."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.client import Client as Api
from tests.support.verification import set_item


def test_list_is_newest_first_and_pages_with_a_cursor(api: Api) -> None:
    token = api.session("u_1", "acme")
    ids = [api.created_key(token, name=f"k{i}")["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        reply = api.request("GET", "/v1/api-keys", token=token, query=query)
        assert reply.status == 200, reply.text
        seen += [item["id"] for item in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


DAY = 86_400


def expire(api: Api, key_id: str) -> None:
    """Move a key's expiry into the past, as the passing of time would (the item stays stored)."""
    set_item(api, key_id, expires_at={"N": str(int(time.time()) - DAY)})


def ids(api: Api, token: str, **query: str) -> set[str]:
    """Every id the listing yields for ``query``, following cursors to the end."""
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(200):
        params = dict(query, **({"cursor": cursor} if cursor else {}))
        reply = api.request("GET", "/v1/api-keys", token=token, query=params)
        assert reply.status == 200, reply.text
        for item in reply.body["items"]:
            if "status" in query:
                assert item["status"] == query["status"]
            seen.append(item["id"])
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)), "a key was listed twice"
    return set(seen)


@pytest.fixture
def keys(api: Api) -> dict[str, Any]:
    """A tenant with keys in every status, of users and service accounts, in and out of environments."""
    alice, bob = api.session("alice", "acme"), api.session("bob", "acme")
    admin = api.session("root", "acme", ["admin"])
    k: dict[str, Any] = {"alice": alice, "bob": bob, "admin": admin}
    k["active"] = api.created_key(alice)["id"]
    k["suspended"] = api.created_key(alice)["id"]
    api.request("POST", f"/v1/api-keys/{k['suspended']}/suspend", token=alice)
    k["revoked"] = api.created_key(alice)["id"]
    api.request("POST", f"/v1/api-keys/{k['revoked']}/revoke", token=alice)
    k["expired"] = api.created_key(alice, expires_in_seconds=3600)["id"]
    expire(api, k["expired"])
    k["suspended_expired"] = api.created_key(alice, expires_in_seconds=3600)["id"]
    api.request("POST", f"/v1/api-keys/{k['suspended_expired']}/suspend", token=alice)
    expire(api, k["suspended_expired"])
    k["revoked_expired"] = api.created_key(alice, expires_in_seconds=3600)["id"]
    api.request("POST", f"/v1/api-keys/{k['revoked_expired']}/revoke", token=alice)
    expire(api, k["revoked_expired"])
    k["future_expiry"] = api.created_key(alice, expires_in_seconds=30 * DAY)["id"]
    k["bob"] = api.created_key(bob)["id"]
    k["sa_ci"] = api.created_key(admin, service_account_id="sa_ci")["id"]
    k["sa_ci_prod"] = api.created_key(admin, service_account_id="sa_ci", environment_id="env_prod")["id"]
    k["sa_other_prod"] = api.created_key(admin, service_account_id="sa_other", environment_id="env_prod")[
        "id"
    ]
    k["sa_other_dev"] = api.created_key(admin, service_account_id="sa_other", environment_id="env_dev")["id"]
    k["sa_prod_suspended"] = api.created_key(admin, service_account_id="sa_ci", environment_id="env_prod")[
        "id"
    ]
    api.request("POST", f"/v1/api-keys/{k['sa_prod_suspended']}/suspend", token=admin)
    k["globex"] = api.created_key(api.session("root", "globex", ["admin"]))["id"]
    return k


ALICE = {"active", "suspended", "revoked", "expired", "suspended_expired", "revoked_expired", "future_expiry"}


SERVICE = {"sa_ci", "sa_ci_prod", "sa_other_prod", "sa_other_dev", "sa_prod_suspended"}


def named(k: dict[str, Any], *names: str) -> set[str]:
    return {k[name] for name in names}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            "active",
            {"active", "future_expiry", "bob", "sa_ci", "sa_ci_prod", "sa_other_prod", "sa_other_dev"},
        ),
        ("suspended", {"suspended", "sa_prod_suspended"}),
        ("revoked", {"revoked", "revoked_expired"}),
        ("expired", {"expired", "suspended_expired"}),
    ],
)
def test_status_filters_match_the_status_reads_show(
    api: Api, keys: dict[str, Any], status: str, expected: set[str]
) -> None:
    assert ids(api, keys["admin"], status=status) == named(keys, *expected)
    assert ids(api, keys["admin"], status=status, limit="1") == named(keys, *expected)  # paged


def test_every_key_has_exactly_one_status(api: Api, keys: dict[str, Any]) -> None:
    everything = ids(api, keys["admin"])
    by_status = [ids(api, keys["admin"], status=s) for s in ("active", "suspended", "revoked", "expired")]
    assert set().union(*by_status) == everything
    assert sum(len(s) for s in by_status) == len(everything)
    assert keys["globex"] not in everything


def test_owner_filters_for_an_admin(api: Api, keys: dict[str, Any]) -> None:
    admin = keys["admin"]
    assert ids(api, admin, owner_type="user") == named(keys, *ALICE, "bob")
    assert ids(api, admin, owner_type="service_account") == named(keys, *SERVICE)
    assert ids(api, admin, owner_id="alice") == named(keys, *ALICE)
    assert ids(api, admin, owner_id="sa_other") == named(keys, "sa_other_prod", "sa_other_dev")
    assert ids(api, admin, owner_type="user", owner_id="bob") == named(keys, "bob")
    assert ids(api, admin, owner_type="service_account", owner_id="sa_ci") == named(
        keys, "sa_ci", "sa_ci_prod", "sa_prod_suspended"
    )
    assert ids(api, admin, owner_type="service_account", owner_id="alice") == set()
    assert ids(api, admin, owner_type="user", owner_id="alice", status="expired") == named(
        keys, "expired", "suspended_expired"
    )


def test_environment_filter(api: Api, keys: dict[str, Any]) -> None:
    admin = keys["admin"]
    assert ids(api, admin, environment_id="env_prod") == named(
        keys, "sa_ci_prod", "sa_other_prod", "sa_prod_suspended"
    )
    assert ids(api, admin, environment_id="env_prod", status="suspended") == named(keys, "sa_prod_suspended")
    assert ids(api, admin, environment_id="env_prod", owner_id="sa_other") == named(keys, "sa_other_prod")
    assert ids(api, admin, environment_id="env_none") == set()


def test_a_user_filters_only_within_their_own_keys(api: Api, keys: dict[str, Any]) -> None:
    alice = keys["alice"]
    assert ids(api, alice) == named(keys, *ALICE)
    assert ids(api, alice, status="revoked") == named(keys, "revoked", "revoked_expired")
    assert ids(api, alice, owner_type="user") == named(keys, *ALICE)
    assert ids(api, alice, owner_id="alice") == named(keys, *ALICE)
    assert ids(api, alice, owner_type="user", owner_id="alice", status="active") == named(
        keys, "active", "future_expiry"
    )
    # someone else's keys match nothing the caller may see: an empty page, not an error
    assert ids(api, alice, owner_id="bob") == set()
    assert ids(api, alice, owner_type="service_account") == set()
    assert ids(api, alice, owner_type="service_account", owner_id="sa_ci") == set()


def test_a_service_account_key_filters_within_its_account_and_environment(
    api: Api, keys: dict[str, Any]
) -> None:
    admin = keys["admin"]
    reader = api.created_key(admin, service_account_id="sa_ci", scopes=["read", "keys:read"])
    everywhere = named(keys, "sa_ci", "sa_ci_prod", "sa_prod_suspended") | {reader["id"]}
    assert ids(api, reader["key"]) == everywhere
    assert ids(api, reader["key"], status="suspended") == named(keys, "sa_prod_suspended")
    assert ids(api, reader["key"], environment_id="env_prod") == named(
        keys, "sa_ci_prod", "sa_prod_suspended"
    )
    assert ids(api, reader["key"], owner_id="sa_other") == set()
    prod = api.created_key(
        admin, service_account_id="sa_ci", scopes=["read", "keys:read"], environment_id="env_prod"
    )
    in_prod = named(keys, "sa_ci_prod", "sa_prod_suspended") | {prod["id"]}
    assert ids(api, prod["key"]) == in_prod
    assert ids(api, prod["key"], environment_id="env_prod", status="active") == in_prod - named(
        keys, "sa_prod_suspended"
    )
    assert ids(api, prod["key"], environment_id="env_dev") == set()


def test_a_cursor_is_bound_to_its_filters(api: Api, keys: dict[str, Any]) -> None:
    admin = keys["admin"]
    first = api.request("GET", "/v1/api-keys", token=admin, query={"status": "active", "limit": "1"}).body
    assert first["next_cursor"]
    other = api.request(
        "GET", "/v1/api-keys", token=admin, query={"status": "revoked", "cursor": first["next_cursor"]}
    )
    assert other.status == 400
    assert other.body["errors"][0]["pointer"] == "/cursor"
