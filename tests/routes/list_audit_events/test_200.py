"""GET /v1/audit-events answers 200: the events of every change, newest first, in the contract's
shape (actor, origin, changes from -> to, never a secret or a digest), filtered by key and action,
paged with a cursor, and only those of keys the caller may see."""

from __future__ import annotations

import re
import uuid
from typing import Any

from keysmith import clock
from tests.helpers import SOURCE_IP, USER_AGENT
from tests.support.client import Client as Api

EVENTS = "/v1/audit-events"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
DAY = 86_400


def events(api: Api, token: str, **query: str) -> list[dict[str, Any]]:
    reply = api.request("GET", EVENTS, token=token, query=query or None)
    assert reply.status == 200, reply.text
    assert reply.header("Content-Type") == "application/json"
    return list(reply.body["items"])


def test_every_change_has_one_event_newest_first_in_the_contract_shape(api: Api) -> None:
    alice = api.session("alice", "acme")
    created = api.created_key(alice, "first", scopes=["read"])
    key_id = created["id"]
    renamed = api.update_key(alice, key_id, {"name": "second", "metadata": {"team": "ops"}})
    suspended = api.suspend_key(alice, key_id)
    assert api.activate_key(alice, key_id).status == 200
    rotated = api.rotate_key(alice, key_id, {"grace_period_seconds": 60})
    assert renamed.status == suspended.status == 200 and rotated.status == 201
    listed = events(api, alice, key_id=key_id)
    assert [e["action"] for e in listed] == ["rotate", "activate", "suspend", "update", "create"]
    suspend = listed[2]
    assert set(suspend) == {
        "id", "occurred_at", "action", "key_id", "tenant_id", "actor", "source_ip", "user_agent",
        "request_id", "changes",
    }  # fmt: skip
    uuid.UUID(suspend["id"])
    assert RFC3339.fullmatch(suspend["occurred_at"])
    assert suspend["key_id"] == key_id and suspend["tenant_id"] == "acme"
    assert suspend["actor"] == {"type": "user", "id": "alice"}
    assert (suspend["source_ip"], suspend["user_agent"]) == (SOURCE_IP, USER_AGENT)
    assert suspend["request_id"] == suspended.header("X-Request-Id")
    assert suspend["changes"] == {
        "status": {"from": "active", "to": "suspended"},
        "suspended_at": {"from": None, "to": suspended.body["suspended_at"]},
    }
    assert listed[3]["changes"] == {
        "name": {"from": "first", "to": "second"},
        "metadata": {"from": None, "to": {"team": "ops"}},
    }
    assert listed[0]["changes"]["rotated_to"] == {"from": None, "to": rotated.body["id"]}
    assert listed[0]["changes"]["expires_at"]["from"] is None
    create = listed[4]["changes"]
    assert create["name"] == {"from": None, "to": "first"}
    assert create["scopes"] == {"from": None, "to": ["read"]}
    assert create["status"] == {"from": None, "to": "active"}
    assert create["created_at"] == {"from": None, "to": created["created_at"]}
    for hidden in ("key_hash", "version", "ttl", "created_sk", "updated_at", "last_used_at"):
        assert all(hidden not in e["changes"] for e in listed), hidden
    successor = events(api, alice, key_id=rotated.body["id"])
    assert [e["action"] for e in successor] == ["create"]
    assert successor[0]["changes"]["rotated_from"] == {"from": None, "to": key_id}


def test_delete_keeps_the_history_visible_to_the_keys_owner(api: Api) -> None:
    alice = api.session("alice", "acme")
    key_id = api.created_key(alice)["id"]
    assert api.revoke_key(alice, key_id).status == 200
    assert api.delete_key(alice, key_id).status == 204
    listed = events(api, alice, key_id=key_id)
    assert [e["action"] for e in listed] == ["delete", "revoke", "create"]
    assert listed[0]["changes"]["status"] == {"from": "revoked", "to": None}
    assert listed[0]["changes"]["name"] == {"from": "ci deploy", "to": None}


def test_an_api_key_and_a_service_account_are_recorded_as_actors(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    writer = api.created_key(admin, service_account_id="sa_ci", scopes=["keys:read", "keys:write"])
    target = api.created_key(admin, service_account_id="sa_ci")["id"]
    assert api.suspend_key(writer["key"], target).status == 200
    made = api.created_key(writer["key"], "by a key", scopes=["keys:read"])
    mine = events(api, writer["key"])  # keys:read: the events of the service account's keys
    assert [(e["action"], e["key_id"]) for e in mine][:2] == [("create", made["id"]), ("suspend", target)]
    assert {e["actor"]["type"] for e in mine[:2]} == {"api_key"}
    assert {e["actor"]["id"] for e in mine[:2]} == {writer["id"]}
    assert mine[-1]["actor"] == {"type": "user", "id": "root"}  # the admin created the first key


def test_visibility_follows_the_rule_of_listing_keys(api: Api) -> None:
    alice, bob = api.session("alice", "acme"), api.session("bob", "acme")
    admin, other = api.session("root", "acme", ["admin"]), api.session("carol", "globex", ["admin"])
    alices = api.created_key(alice)["id"]
    bobs = api.created_key(bob)["id"]
    assert {e["key_id"] for e in events(api, alice)} == {alices}
    assert {e["key_id"] for e in events(api, bob)} == {bobs}
    assert events(api, bob, key_id=alices) == []
    assert {e["key_id"] for e in events(api, admin)} == {alices, bobs}
    assert events(api, other) == []


def test_filters_and_pages_newest_first_without_gaps_or_repeats(api: Api) -> None:
    alice = api.session("alice", "acme")
    keys = [api.created_key(alice, f"k{i}")["id"] for i in range(3)]
    for key_id in keys:
        assert api.suspend_key(alice, key_id).status == 200
    everything = events(api, alice, limit="100")
    assert len(everything) == 6
    stamps = [e["occurred_at"] for e in everything]
    assert stamps == sorted(stamps, reverse=True)
    assert [e["key_id"] for e in events(api, alice, action="suspend")] == keys[::-1]
    assert [e["action"] for e in events(api, alice, key_id=keys[1], action="create")] == ["create"]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        query = {"limit": "4", **({"cursor": cursor} if cursor else {})}
        page = api.request("GET", EVENTS, token=alice, query=query).body
        assert len(page["items"]) <= 4
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["id"] for e in everything]


def test_events_are_kept_for_the_audit_retention_then_removed_by_ttl(make_api: Any) -> None:
    api = make_api(audit_retention_days=7)
    alice = api.session("alice", "acme")
    key_id = api.created_key(alice)["id"]
    (event,) = events(api, alice, key_id=key_id)
    item = api.parts.store.get_raw(f"audit#{event['id']}")
    assert item is not None
    occurred = clock.parse_rfc3339(event["occurred_at"])
    assert int(item["ttl"]["N"]) == int(occurred) + 7 * DAY
    # an event item is never a key: neither key index lists it
    assert not {"tenant_id", "owner_key", "created_sk", "key_hash"} & set(item)


def test_a_change_of_restrictions_and_limits_is_audited_as_the_api_shows_those_fields(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    created = api.created_key(admin, "metered", service_account_id="sa_1")
    patch = {
        "allowed_ips": ["10.0.0.0/8"],
        "rate_limit": {"limit": 10, "window_seconds": 60},
        "credits": {"remaining": 500, "refill": {"amount": 500, "interval": "daily"}},
    }
    updated = api.update_key(admin, created["id"], patch)
    assert updated.status == 200, updated.text
    # the answer is the key as written, restrictions included
    assert updated.body["allowed_ips"] == ["10.0.0.0/8"]
    assert updated.body["rate_limit"]["limit"] == 10 and updated.body["rate_limit"]["window_seconds"] == 60
    assert updated.body["credits"]["remaining"] == 500
    assert api.get_key(admin, created["id"]).body["credits"] == updated.body["credits"]
    (event,) = events(api, admin, key_id=created["id"], action="update")
    assert event["changes"] == {
        "allowed_ips": {"from": None, "to": ["10.0.0.0/8"]},
        "rate_limit": {"from": None, "to": {"limit": 10, "window_seconds": 60}},
        "credits": {"from": None, "to": {"remaining": 500, "refill": {"amount": 500, "interval": "daily"}}},
    }
    removed = api.update_key(admin, created["id"], {"allowed_ips": [], "rate_limit": None})
    assert removed.status == 200 and removed.body["allowed_ips"] == [] and removed.body["rate_limit"] is None
    latest = events(api, admin, key_id=created["id"], action="update")[0]
    assert latest["changes"] == {
        "allowed_ips": {"from": ["10.0.0.0/8"], "to": None},
        "rate_limit": {"from": {"limit": 10, "window_seconds": 60}, "to": None},
    }
