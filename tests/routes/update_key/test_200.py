"""PATCH /v1/api-keys/{id} answers 200: only the fields sent change, null clears, a suspended key
stays suspended, and the expiry is bounded by the deploy maximum from creation."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keysmith import clock
from tests.support.client import Client as Api
from tests.support.client import frozen
from tests.support.problems import PROBLEM_TYPE

DAY = 86_400


def test_patch_changes_only_the_fields_sent(api: Api) -> None:
    token = api.session("alice", "acme")
    key = api.created_key(token, description="first", metadata={"team": "a"}, scopes=["read"])
    expires = clock.rfc3339(time.time() + 10 * DAY)
    reply = api.update_key(token, key["id"], {"name": "  renamed  ", "scopes": ["read", "write"]})
    assert reply.status == 200, reply.text
    body = reply.body
    assert body["name"] == "renamed"
    assert body["scopes"] == ["read", "write"]
    assert body["description"] == "first"
    assert body["metadata"] == {"team": "a"}
    assert body["updated_at"] >= key["updated_at"]
    assert "key" not in body
    reply = api.update_key(token, key["id"], {"metadata": {"owner": "b"}, "expires_at": expires})
    assert reply.body["metadata"] == {"owner": "b"}  # replaced, not merged
    assert reply.body["expires_at"] == expires
    assert reply.body["name"] == "renamed"
    item = api.stored(key["id"])
    assert item["version"] == {"N": "3"}
    assert int(item["ttl"]["N"]) == int(clock.parse_rfc3339(expires)) + 30 * DAY
    assert api.get_key(token, key["id"]).body == reply.body


def test_patch_null_clears_description_and_expiry(api: Api) -> None:
    token = api.session("alice", "acme")
    key = api.created_key(token, description="text", expires_in_seconds=3600)
    reply = api.update_key(token, key["id"], {"description": None, "expires_at": None})
    assert reply.status == 200, reply.text
    assert reply.body["description"] is None
    assert reply.body["expires_at"] is None
    item = api.stored(key["id"])
    assert "ttl" not in item and "expires_at" not in item and "description" not in item
    again = api.update_key(token, key["id"], {"description": "back"})
    assert again.body["description"] == "back"
    assert api.update_key(token, key["id"], {"description": ""}).body["description"] is None
    assert api.update_key(token, key["id"], {"metadata": {}}).body["metadata"] == {}


def test_patch_works_on_a_suspended_key_and_keeps_it_suspended(api: Api) -> None:
    token = api.session("alice", "acme")
    key = api.created_key(token)
    api.act(token, key["id"], "suspend")
    reply = api.update_key(token, key["id"], {"name": "paused"})
    assert reply.status == 200
    assert reply.body["status"] == "suspended"


def test_patch_expiry_is_bounded_by_the_deploy_maximum_from_creation(make_api: Any) -> None:
    api = make_api(max_key_lifetime_days=30)
    token = api.session("alice", "acme")
    key = api.created_key(token)
    created = clock.parse_rfc3339(key["created_at"])
    assert clock.parse_rfc3339(key["expires_at"]) == pytest.approx(created + 30 * DAY, abs=1)
    # Twenty days later, the key may still be set to expire up to day 30 of its life, not beyond.
    frozen(created + 20 * DAY)
    ok = api.update_key(token, key["id"], {"expires_at": clock.rfc3339(created + 29 * DAY)})
    assert ok.status == 200, ok.text
    too_late = api.update_key(token, key["id"], {"expires_at": clock.rfc3339(created + 31 * DAY)})
    assert too_late.status == 422, too_late.text
    assert too_late.body["type"] == PROBLEM_TYPE + "validation-error"
    assert too_late.body["errors"][0]["pointer"] == "/expires_at"
    assert "after the key's creation" in too_late.body["detail"]
    cleared = api.update_key(token, key["id"], {"expires_at": None})
    assert cleared.status == 422
    assert cleared.body["errors"][0]["pointer"] == "/expires_at"
    assert api.get_key(token, key["id"]).body["expires_at"] == ok.body["expires_at"]
