"""Idempotent create: an Idempotency-Key makes a retried POST /v1/api-keys safe without the secret
being kept anywhere. Runs on moto and on DynamoDB Local (the real engine's transactions)."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import pytest

from keysmith import clock
from keysmith.domain import idempotency
from keysmith.domain import key_format as tokens
from tests.support.client import Client as Api

BODY = {"name": "deploy bot", "scopes": ["read", "write"], "metadata": {"team": "infra"}}


def create_once(api: Api, token: str, key: str | None, body: Any = None, **headers: str) -> Any:
    all_headers = dict(headers)
    if key is not None:
        all_headers["Idempotency-Key"] = key
    return api.request("POST", "/v1/api-keys", token=token, json_body=body or BODY, headers=all_headers)


def items(api: Api) -> list[dict[str, Any]]:
    client, table = api.parts.store.client, api.parts.store.table
    return client.scan(TableName=table, ConsistentRead=True)["Items"]  # a test may scan


def test_a_retry_replays_the_first_key_without_its_secret(api: Api) -> None:
    token = api.session("u_1", "acme")
    first = create_once(api, token, "order-42")
    assert first.status == 201, first.text
    assert first.header("Idempotent-Replayed") is None
    second = create_once(api, token, "order-42")
    assert second.status == 200, second.text
    assert second.header("Idempotent-Replayed") == "true"
    assert second.header("Cache-Control") == "no-store"
    assert "key" not in second.body
    assert second.body == {k: v for k, v in first.body.items() if k != "key"}
    assert first.body["key"] not in second.text
    # one key and one record, and the record holds neither the plaintext nor its hash
    stored = items(api)
    keys = [i for i in stored if "key_hash" in i]
    records = [i for i in stored if i["id"]["S"].startswith("idem#")]
    assert len(keys) == 1 and len(records) == 1
    record = records[0]
    assert set(record) == {"id", "fingerprint", "key_id", "created_at", "ttl"}
    assert record["key_id"]["S"] == first.body["id"]
    plaintext = first.body["key"]
    text = json.dumps(record)
    assert plaintext not in text and keys[0]["key_hash"]["S"] not in text
    assert plaintext[len("ks_") : -6] not in text
    assert int(record["ttl"]["N"]) - int(record["created_at"]["N"]) == 24 * 3600
    assert record["id"]["S"] == "idem#acme#user:u_1#" + hashlib.sha256(b"order-42").hexdigest()


def test_the_same_body_in_another_key_order_or_spacing_replays(api: Api) -> None:
    token = api.session("u_1", "acme")
    assert create_once(api, token, "k1").status == 201
    reordered = json.dumps(dict(reversed(list(BODY.items()))), indent=2)
    reply = api.request(
        "POST",
        "/v1/api-keys",
        token=token,
        body=reordered,
        headers={"Idempotency-Key": "k1", "content-type": "application/json"},
    )
    assert reply.status == 200, reply.text


def test_the_replay_shows_the_keys_current_state(api: Api) -> None:
    token = api.session("u_1", "acme")
    first = create_once(api, token, "k1")
    # a change made after the create shows in the replay (last-used through an API-key call)
    api.request("GET", "/v1/api-keys", token=first.body["key"])
    again = create_once(api, token, "k1")
    assert again.status == 200
    assert again.body["last_used_at"] is not None


def test_another_body_with_the_same_key_is_422(api: Api) -> None:
    token = api.session("u_1", "acme")
    assert create_once(api, token, "k1").status == 201
    reply = create_once(api, token, "k1", {**BODY, "name": "something else"})
    assert reply.status == 422, reply.text
    assert reply.body["type"] == "urn:keysmith:problem:validation-error"
    assert reply.body["errors"][0]["pointer"] == "/headers/Idempotency-Key"
    assert len([i for i in items(api) if "key_hash" in i]) == 1


def test_the_key_is_scoped_to_the_caller(api: Api) -> None:
    alice, bob = api.session("alice", "acme"), api.session("bob", "acme")
    other_tenant = api.session("alice", "globex")
    ids = set()
    for token in (alice, bob, other_tenant):
        reply = create_once(api, token, "shared-key")
        assert reply.status == 201, reply.text
        ids.add(reply.body["id"])
    assert len(ids) == 3


def test_without_the_header_every_create_is_a_new_key_in_one_write(api: Api, monkeypatch: Any) -> None:
    token = api.session("u_1", "acme")
    calls: list[str] = []
    client = api.parts.store.client
    original = client._make_api_call

    def counting(operation: str, params: Any) -> Any:
        calls.append(operation)
        return original(operation, params)

    monkeypatch.setattr(client, "_make_api_call", counting)
    assert create_once(api, token, None).status == 201
    assert calls == ["TransactWriteItems"]  # the key and its audit event
    calls.clear()
    assert create_once(api, token, "k1").status == 201
    assert calls == ["TransactWriteItems"]
    calls.clear()
    assert create_once(api, token, "k1").status == 200
    assert calls == ["TransactWriteItems", "GetItem"]


@pytest.mark.parametrize(
    "value",
    ["", " ", "x" * 256, "caf\u00e9", "tab\there", "line\nbreak", "nul\x00"],
    ids=["empty", "space", "256-chars", "non-ascii", "tab", "newline", "nul"],
)
def test_a_bad_header_is_400_naming_it(api: Api, value: str) -> None:
    token = api.session("u_1", "acme")
    reply = create_once(api, token, value)
    assert reply.status == 400, reply.text
    assert reply.body["type"] == "urn:keysmith:problem:malformed-request"
    assert reply.body["errors"] == [{"pointer": "/headers/Idempotency-Key", "detail": reply.body["detail"]}]
    assert items(api) == []


@pytest.mark.parametrize("value", ["a", "x" * 255, "~!@#$%^&*()_+ {}|:<>?", "0c6e0f1a-uuid-like"])
def test_any_printable_ascii_up_to_255_is_accepted(api: Api, value: str) -> None:
    token = api.session("u_1", "acme")
    assert create_once(api, token, value).status == 201
    assert create_once(api, token, value).status == 200


def test_a_record_past_24_hours_is_replaced_not_replayed(api: Api, monkeypatch: Any) -> None:
    token = api.session("u_1", "acme")
    first = create_once(api, token, "k1")
    # age the record by hand: TTL has not run (it never runs on time), the clock says it is over
    store = api.parts.store
    record_id = idempotency.record_id_for("acme", ("user", "u_1"), "k1")
    store.client.update_item(
        TableName=store.table,
        Key={"id": {"S": record_id}},
        UpdateExpression="SET #t = :past",
        ExpressionAttributeNames={"#t": "ttl"},
        ExpressionAttributeValues={":past": {"N": "1000"}},
    )
    second = create_once(api, token, "k1", {**BODY, "name": "new day"})
    assert second.status == 201, second.text
    assert second.body["id"] != first.body["id"]
    assert tokens.is_well_formed(second.body["key"], "ks")


def test_a_replayed_key_that_was_deleted_is_409(api: Api) -> None:
    token = api.session("u_1", "acme")
    first = create_once(api, token, "k1")
    store = api.parts.store
    store.client.delete_item(TableName=store.table, Key={"id": {"S": first.body["id"]}})
    reply = create_once(api, token, "k1")
    assert reply.status == 409, reply.text
    assert reply.body["type"] == "urn:keysmith:problem:conflict"


def test_a_replay_still_works_after_a_rule_stopped_holding(api: Api, monkeypatch: Any) -> None:
    """expires_at was in the future on the first attempt and has passed by the retry."""
    token = api.session("u_1", "acme")
    soon = clock.rfc3339(time.time() + 5)
    body = {"name": "short", "expires_at": soon}
    first = create_once(api, token, "k1", body)
    assert first.status == 201, first.text
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 60)
    assert create_once(api, token, "k2", body).status == 422  # the rule no longer holds
    reply = create_once(api, token, "k1", body)
    assert reply.status == 200, reply.text
    assert reply.body["id"] == first.body["id"] and reply.body["status"] == "expired"
    monkeypatch.setattr(time, "time", lambda: real() + 25 * 3600)
    assert create_once(api, token, "k1", body).status == 422  # and after 24 hours nothing replays


def test_idempotency_records_are_never_listed_nor_verified(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    for n in range(3):
        assert create_once(api, admin, f"k{n}", {"name": f"k{n}"}).status == 201
    listing = api.request("GET", "/v1/api-keys", token=admin, query={"limit": "100"})
    assert listing.status == 200
    assert len(listing.body["items"]) == 3
    assert all(not item["id"].startswith("idem#") for item in listing.body["items"])
    # the by_tenant and by_owner indexes hold only keys
    store = api.parts.store
    for index in ("by_tenant", "by_owner"):
        indexed = store.client.scan(TableName=store.table, IndexName=index)["Items"]
        assert len(indexed) == 3 and all("key_hash" in i for i in indexed)
    # verification's one read ignores items without key_hash
    records = [i for i in items(api) if i["id"]["S"].startswith("idem#")]
    assert len(records) == 3
    for record in records:
        assert store.get(record["id"]["S"]) is None
