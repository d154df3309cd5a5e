"""PATCH /v1/api-keys/{id} sets, replaces and removes restrictions and limits (a session may widen
them: rule 7 binds API-key callers only), and a rotation carries them to the successor."""

from __future__ import annotations

import time
from typing import Any

from keysmith import clock
from tests.support.client import Client as Api
from tests.support.verification import verify

LIMITS = {
    "allowed_ips": ["192.0.2.0/24"],
    "rate_limit": {"limit": 10, "window_seconds": 60},
    "credits": {"remaining": 7, "refill": {"amount": 50, "interval": "monthly"}},
}


def test_a_session_sets_replaces_and_removes_each_restriction(
    api: Api, alice: str, key: dict[str, Any]
) -> None:
    not_before = clock.rfc3339(time.time() - 60)
    set_all = api.update_key(alice, key["id"], {**LIMITS, "not_before": not_before})
    assert set_all.status == 200, set_all.text
    assert {name: set_all.body[name] for name in LIMITS} == LIMITS
    assert set_all.body["not_before"] == not_before
    wider = {
        "allowed_ips": ["0.0.0.0/0", "::/0"],
        "rate_limit": {"limit": 1000, "window_seconds": 1},
        "credits": {"remaining": 100, "refill": None},
    }
    replaced = api.update_key(alice, key["id"], wider)
    assert replaced.status == 200 and {name: replaced.body[name] for name in wider} == wider
    removed = api.update_key(
        alice, key["id"], {"allowed_ips": [], "not_before": None, "rate_limit": None, "credits": None}
    )
    assert removed.status == 200, removed.text
    assert [removed.body[n] for n in ("allowed_ips", "not_before", "rate_limit", "credits")] == [
        [],
        None,
        None,
        None,
    ]
    assert verify(api, {"key": key["key"], "client_ip": "198.51.100.1"}).body["valid"] is True


def test_a_patch_of_credits_sets_what_is_left_and_verify_spends_from_it(api: Api, alice: str) -> None:
    created = api.created_key(alice, "target", credits={"remaining": 1})
    assert verify(api, {"key": created["key"]}).body["remaining"] == 0
    assert verify(api, {"key": created["key"]}).body["code"] == "USAGE_EXCEEDED"
    assert api.update_key(alice, created["id"], {"credits": {"remaining": 2}}).status == 200
    assert verify(api, {"key": created["key"]}).body["remaining"] == 1  # this process saw the change


def test_a_patch_of_allowed_ips_takes_hold_on_the_next_verification(api: Api, alice: str) -> None:
    created = api.created_key(alice, "target", credits={"remaining": 5})
    assert verify(api, {"key": created["key"], "client_ip": "198.51.100.7"}).body["valid"] is True
    assert api.update_key(alice, created["id"], {"allowed_ips": ["192.0.2.0/24"]}).status == 200
    refused = verify(api, {"key": created["key"], "client_ip": "198.51.100.7"}).body
    assert refused == {"valid": False, "code": "IP_NOT_ALLOWED"}
    assert verify(api, {"key": created["key"], "client_ip": "192.0.2.7"}).body["remaining"] == 3


def test_a_rotation_carries_the_restrictions_and_moves_the_credits(api: Api, alice: str) -> None:
    not_before = clock.rfc3339(time.time() - 60)
    created = api.created_key(alice, "target", not_before=not_before, **LIMITS)
    assert verify(api, {"key": created["key"], "client_ip": "192.0.2.1", "cost": 2}).body["remaining"] == 5
    rotated = api.rotate_key(alice, created["id"], {"grace_period_seconds": 3600})
    assert rotated.status == 201, rotated.text
    successor = rotated.body
    assert {name: successor[name] for name in ("allowed_ips", "rate_limit")} == {
        name: LIMITS[name] for name in ("allowed_ips", "rate_limit")
    }
    assert successor["not_before"] == not_before
    assert successor["credits"] == {"remaining": 5, "refill": {"amount": 50, "interval": "monthly"}}
    old = api.get_key(alice, created["id"]).body
    assert old["credits"] == {"remaining": 0, "refill": None}  # one pool: it moved to the successor
    assert verify(api, {"key": created["key"], "client_ip": "192.0.2.1"}).body["code"] == "USAGE_EXCEEDED"
    assert verify(api, {"key": successor["key"], "client_ip": "192.0.2.1"}).body["remaining"] == 4


def test_removing_not_before_lets_an_earlier_expiry_through_in_the_same_patch(api: Api, alice: str) -> None:
    created = api.created_key(alice, "target", not_before=clock.rfc3339(time.time() + 7200))
    sooner = clock.rfc3339(time.time() + 3600)
    reply = api.update_key(alice, created["id"], {"not_before": None, "expires_at": sooner})
    assert reply.status == 200, reply.text
    assert (reply.body["not_before"], reply.body["expires_at"]) == (None, sooner)
