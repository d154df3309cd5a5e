"""POST /v1/api-keys/{id}/rotate answers 201: with and without grace, the successor's lifetime, who
rotated, a key rotating itself."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keysmith import clock
from keysmith.domain import key_format as tokens
from tests.support.client import Client as Api
from tests.support.client import frozen
from tests.support.problems import assert_conflict
from tests.support.targets import send

DAY = 86_400


def test_rotate_without_grace_revokes_the_old_key_at_once(api: Api) -> None:
    token = api.session("alice", "acme")
    old = api.created_key(token, description="d", scopes=["read", "write"], metadata={"team": "ci"})
    reply = api.act(token, old["id"], "rotate")
    assert reply.status == 201, reply.text
    assert reply.header("Cache-Control") == "no-store"
    new = reply.body
    assert tokens.is_well_formed(new["key"], "ks")
    assert new["id"] == tokens.key_id(tokens.digest(new["key"])) != old["id"]
    for name in ("name", "description", "scopes", "owner", "environment_id", "metadata", "tenant_id"):
        assert new[name] == old[name], name
    assert new["rotated_from"] == old["id"]
    assert new["rotated_to"] is None
    assert new["status"] == "active"
    assert new["expires_at"] is None
    assert new["created_by"] == {"type": "user", "id": "alice"}
    previous = api.get_key(token, old["id"]).body
    assert previous["status"] == "revoked"
    assert previous["rotated_to"] == new["id"]
    assert previous["revoked_at"] is not None
    assert previous["available_actions"]["rotate"] is False
    assert api.stored(old["id"])["version"] == {"N": "2"}
    assert api.parts.verifier.verify(old["key"]).code == "REVOKED"
    assert api.parts.verifier.verify(new["key"]).code == "VALID"
    fetched = api.get_key(token, new["id"])
    assert {k: v for k, v in new.items() if k != "key"} == fetched.body
    assert new["key"] not in fetched.text


def test_rotate_with_grace_keeps_the_old_key_until_the_grace_ends(api: Api) -> None:
    token = api.session("alice", "acme")
    old = api.created_key(token)
    now = time.time()
    reply = api.act(token, old["id"], "rotate", {"grace_period_seconds": 3600})
    assert reply.status == 201, reply.text
    previous = api.get_key(token, old["id"]).body
    assert previous["status"] == "active"
    assert previous["rotated_to"] == reply.body["id"]
    ends = clock.parse_rfc3339(previous["expires_at"])
    assert ends == pytest.approx(now + 3600, abs=2)
    assert int(api.stored(old["id"])["ttl"]["N"]) == int(ends) + 30 * DAY
    assert api.parts.verifier.verify(old["key"]).code == "VALID"
    assert_conflict(api.act(token, old["id"], "rotate"), "already been rotated", reply.body["id"])
    frozen(ends + 1)
    assert api.get_key(token, old["id"]).body["status"] == "expired"
    assert api.get_key(token, reply.body["id"]).body["status"] == "active"


def test_grace_never_extends_the_old_keys_own_expiry(api: Api) -> None:
    token = api.session("alice", "acme")
    old = api.created_key(token, expires_in_seconds=600)
    reply = api.act(token, old["id"], "rotate", {"grace_period_seconds": 86_400})
    assert reply.status == 201
    assert api.get_key(token, old["id"]).body["expires_at"] == old["expires_at"]


def test_the_successor_lives_as_long_as_the_old_key_was_set_to(api: Api) -> None:
    token = api.session("alice", "acme")
    old = api.created_key(token, expires_in_seconds=10 * DAY)
    new = api.act(token, old["id"], "rotate").body
    lifetime = clock.parse_rfc3339(old["expires_at"]) - clock.parse_rfc3339(old["created_at"])
    assert clock.parse_rfc3339(new["expires_at"]) - clock.parse_rfc3339(new["created_at"]) == pytest.approx(
        lifetime, abs=1
    )
    assert int(api.stored(new["id"])["ttl"]["N"]) == int(clock.parse_rfc3339(new["expires_at"])) + 30 * DAY


def test_the_successor_of_a_key_without_expiry_gets_the_deploy_maximum(make_api: Any) -> None:
    api = make_api()
    token = api.session("alice", "acme")
    old = api.created_key(token)
    capped = make_api(max_key_lifetime_days=7)
    new = capped.act(token, old["id"], "rotate").body
    lifetime = clock.parse_rfc3339(new["expires_at"]) - clock.parse_rfc3339(new["created_at"])
    assert lifetime == pytest.approx(7 * DAY, abs=1)


def test_rotate_body_is_optional_and_empty_object_means_no_grace(api: Api) -> None:
    token = api.session("alice", "acme")
    first = api.created_key(token)
    reply = api.request("POST", f"/v1/api-keys/{first['id']}/rotate", token=token)
    assert reply.status == 201, reply.text
    second = api.created_key(token, name="two")
    reply = api.act(token, second["id"], "rotate", {})
    assert reply.status == 201, reply.text
    assert api.get_key(token, second["id"]).body["status"] == "revoked"


def test_rotating_by_a_service_account_key_records_the_key_as_creator(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    writer = api.created_key(
        admin, service_account_id="sa_ci", scopes=["read", "write", "keys:read", "keys:write"]
    )
    target = api.created_key(admin, service_account_id="sa_ci", name="deploy", scopes=["read"])
    reply = api.act(writer["key"], target["id"], "rotate")
    assert reply.status == 201, reply.text
    assert reply.body["created_by"] == {"type": "api_key", "id": writer["id"]}
    assert reply.body["owner"] == {"type": "service_account", "id": "sa_ci"}


def test_a_key_can_rotate_itself_and_keeps_working_in_its_grace(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    me = api.created_key(
        admin, service_account_id="sa_ci", scopes=["read", "write", "keys:read", "keys:write"]
    )
    reply = api.act(me["key"], me["id"], "rotate", {"grace_period_seconds": 300})
    assert reply.status == 201, reply.text
    assert api.request("GET", f"/v1/api-keys/{me['id']}", token=me["key"]).status == 200
    new_key = reply.body["key"]
    assert api.request("GET", f"/v1/api-keys/{reply.body['id']}", token=new_key).status == 200


def test_the_longest_grace_is_accepted(api: Api, alice: str, key: dict[str, Any]) -> None:
    reply = send(api, alice, "POST", f"/v1/api-keys/{key['id']}/rotate", '{"grace_period_seconds": 604800}')
    assert reply.status == 201, reply.text
