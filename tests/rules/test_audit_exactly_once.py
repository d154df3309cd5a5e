"""Exactly one audit event per change that happened, none for one that did not, on moto and on
DynamoDB Local:

- a change whose answer was lost (DynamoDB applied the transaction, botocore sent the very same
  request again) still answers its success and leaves one event: DynamoDB Local honours the
  transaction's ClientRequestToken, and where a store does not (moto) the retry's cancellation
  shows the call's own event already stored;
- a refused change (404, 409, 403, 422) writes no event;
- reads, listings and uses of a key (verification, last-used) write none.

Store faults at every call site are in tests/routes/every_route/test_store_faults.py (no change and
no event, or both) and racing changes in tests/rules/test_concurrency.py (one event per success).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.audit import events_by_key, lost_answer, stored_events
from tests.support.client import Answer
from tests.support.client import Client as Api
from tests.support.verification import verify

Call = Callable[[Api, str, str], Answer]  # (api, session, key id) -> the change's answer


def _post(action: str, body: Any = None) -> Call:
    return lambda api, token, key_id: api.act(token, key_id, action, body)


# (name, change, what the key must be in first, the expected status, the actions it adds)
CHANGES: list[tuple[str, Call, str | None, int, list[str]]] = [
    ("update", lambda api, t, k: api.update_key(t, k, {"name": "renamed"}), None, 200, ["update"]),
    ("suspend", _post("suspend"), None, 200, ["suspend"]),
    ("activate", _post("activate"), "suspend", 200, ["activate"]),
    ("revoke", _post("revoke"), None, 200, ["revoke"]),
    ("rotate", _post("rotate"), None, 201, ["rotate"]),
    ("rotate with grace", _post("rotate", {"grace_period_seconds": 60}), None, 201, ["rotate"]),
    ("delete", lambda api, t, k: api.delete_key(t, k), "revoke", 204, ["delete"]),
]


@pytest.mark.parametrize(("name", "change", "first", "status", "added"), CHANGES, ids=[c[0] for c in CHANGES])
def test_a_change_whose_answer_was_lost_leaves_exactly_one_event(
    api: Api, name: str, change: Call, first: str | None, status: int, added: list[str]
) -> None:
    token = api.session("alice", "acme")
    key_id = api.created_key(token)["id"]
    if first is not None:
        assert api.act(token, key_id, first).status == 200
    client, table = api.parts.store.client, api.parts.store.table
    before = stored_events(client, table, key_id)
    with lost_answer(client, "TransactWriteItems") as forced:
        reply = change(api, token, key_id)
    assert forced, "the transaction was not retried"
    assert reply.status == status, reply.text
    after = stored_events(client, table, key_id)
    assert [e["action"] for e in after[len(before) :]] == added
    assert after[: len(before)] == before
    if name.startswith("rotate"):  # the successor has its own create event, once
        assert [e["action"] for e in stored_events(client, table, reply.body["id"])] == ["create"]


@pytest.mark.parametrize("idempotency_key", [None, "lost-create"])
def test_a_create_whose_answer_was_lost_leaves_exactly_one_event_and_shows_the_key(
    api: Api, idempotency_key: str | None
) -> None:
    token = api.session("alice", "acme")
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    client, table = api.parts.store.client, api.parts.store.table
    with lost_answer(client, "TransactWriteItems") as forced:
        reply = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "k"}, headers=headers)
    assert forced
    assert reply.status == 201 and reply.body["key"], reply.text
    assert events_by_key(client, table) == {reply.body["id"]: ["create"]}


def test_a_refused_change_writes_no_event(api: Api) -> None:
    alice, bob = api.session("alice", "acme"), api.session("bob", "acme")
    key_id = api.created_key(alice)["id"]
    client, table = api.parts.store.client, api.parts.store.table
    before = stored_events(client, table)
    refused = [
        (api.act(alice, key_id, "activate"), 409),  # active: nothing to activate
        (api.delete_key(alice, key_id), 409),  # active keys are not deleted
        (api.act(bob, key_id, "suspend"), 404),  # not bob's
        (api.update_key(alice, key_id, {"name": ""}), 422),
        (api.update_key(alice, key_id, {}), 422),
        (api.act(alice, key_id, "rotate", {"grace_period_seconds": -1}), 422),
        (api.act(alice, key_id[:-4] + "0000", "revoke"), 404),
    ]
    for reply, status in refused:
        assert reply.status == status, reply.text
    assert stored_events(client, table) == before


def test_reads_listings_and_uses_write_no_event(make_api: Callable[..., Api]) -> None:
    api = make_api(last_used_resolution_seconds=0)  # every use writes last-used
    admin = api.session("root", "acme", ["admin"])
    created = api.created_key(admin, service_account_id="sa_ci", scopes=["read", "keys:read"])
    client, table = api.parts.store.client, api.parts.store.table
    before = stored_events(client, table)
    assert api.get_key(admin, created["id"]).status == 200
    assert api.list_keys(created["key"]).status == 200  # a use by an API key: last-used written
    assert verify(api, {"key": created["key"]}).status == 200
    assert api.request("GET", "/v1/audit-events", token=admin).status == 200
    assert "last_used_at" in api.stored(created["id"])
    assert stored_events(client, table) == before
