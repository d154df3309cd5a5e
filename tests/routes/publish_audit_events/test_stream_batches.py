"""The audit publisher (functions/publish_audit_events) on stream batches, in-process:

- each new audit item is put on EventBridge's default bus (moto's EventBridge delivering to an SQS
  queue through a rule): source ``keysmith``, detail-type ``api-key.<action>``, detail the event;
- a batch whose entries EventBridge partly refuses reports exactly those records as failures (the
  stream retries them, then the dead-letter queue takes them);
- a key removed by TTL gets one ``system`` audit event however often the record is delivered; a
  key deleted by a request (not the TTL service) gets none from the stream;
- a store fault while writing that event reports the record, not the batch.

Stream records are built from the items the API really stored (the same images DynamoDB streams).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.publish_audit_events.app import handler
from keysmith import wiring
from keysmith.domain.ports import StoreUnavailable
from keysmith.store.audit_events import AuditEvents
from keysmith.streams.audit_publisher import TTL_IDENTITY, AuditPublisher
from keysmith.streams.event_bus import EventBridgeBus
from tests.support.audit import stored_events
from tests.support.client import Client as Api
from tests.support.hardening import snapshot


class Context:
    """What the Lambda runtime hands a handler, as far as the logger reads it."""

    function_name = "PublishAuditEventsFunction"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:PublishAuditEventsFunction"
    aws_request_id = "stream-batch"


def publish(batch: dict[str, Any]) -> Any:
    return handler(batch, Context())


def quiet(*_: Any, **__: Any) -> None:
    """A warning sink for publishers built by hand."""


def insert(item: dict[str, Any], sequence: int) -> dict[str, Any]:
    return {
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "NewImage": item,
            "SequenceNumber": str(sequence),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def removal(item: dict[str, Any], sequence: int, *, by_ttl: bool = True) -> dict[str, Any]:
    record: dict[str, Any] = {
        "eventName": "REMOVE",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "OldImage": item,
            "SequenceNumber": str(sequence),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    if by_ttl:
        record["userIdentity"] = dict(TTL_IDENTITY)
    return record


def audit_items(api: Api) -> list[dict[str, Any]]:
    items = [
        i for i in snapshot(api.parts.store.client, api.parts.store.table).values() if "audit_event" in i
    ]
    return sorted(items, key=lambda item: item["audit_sk"]["S"])


@dataclass
class FakeBus:
    """Accepts every entry except those whose detail-type it is told to refuse; keeps the accepted."""

    refuse: set[str] = field(default_factory=set)
    accepted: list[dict[str, Any]] = field(default_factory=list)

    def put(self, entries: list[dict[str, Any]]) -> list[bool]:
        assert len(entries) <= 10  # PutEvents' limit
        results = [entry["DetailType"] not in self.refuse for entry in entries]
        self.accepted += [entry for entry, ok in zip(entries, results, strict=True) if ok]
        return results


def some_changes(api: Api) -> tuple[str, dict[str, Any]]:
    alice = api.session("alice", "acme")
    created = api.created_key(alice)
    assert api.suspend_key(alice, created["id"]).status == 200
    assert api.activate_key(alice, created["id"]).status == 200
    return alice, created


def test_each_audit_item_becomes_one_event_on_the_default_bus() -> None:
    """On moto's EventBridge: every entry accepted (an event id each), sent as the contract says.
    (moto delivers to a rule's targets only with an optional library this project does not install,
    so what is sent is read from the client's request parameters.)"""
    documents = [
        {
            "id": f"00000000-0000-4000-8000-00000000000{i}",
            "occurred_at": f"2026-11-30T10:00:0{i}Z",
            "action": action,
            "key_id": "3c90c3cc-0d44-8b50-a888-8dd25736052a",
            "tenant_id": "acme",
            "actor": {"type": "user", "id": "alice"},
            "source_ip": "203.0.113.9",
            "user_agent": "tests",
            "request_id": "r",
            "changes": {"status": {"from": None, "to": "active"}},
        }
        for i, action in enumerate(["create", "suspend", "activate"])
    ]
    batch = {
        "Records": [
            insert({"id": {"S": f"audit#{d['id']}"}, "audit_event": {"S": json.dumps(d)}}, i)
            for i, d in enumerate(documents)
        ]
    }
    sent: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    with mock_aws():
        events = boto3.client("events", region_name="us-east-1")
        events.meta.events.register(
            "provide-client-params.events.PutEvents", lambda params, **_: sent.append(params)
        )
        events.meta.events.register("after-call.events.PutEvents", lambda parsed, **_: answers.append(parsed))
        publisher = AuditPublisher(EventBridgeBus(events), AuditEvents(None, "unused"), lambda: 0.0, quiet)
        assert publisher.handle(batch) == {"batchItemFailures": []}
    ((params,),) = [sent]
    assert answers[0]["FailedEntryCount"] == 0 and all(e.get("EventId") for e in answers[0]["Entries"])
    entries = params["Entries"]
    assert [(e["Source"], e["DetailType"], e["EventBusName"]) for e in entries] == [
        ("keysmith", "api-key.create", "default"),
        ("keysmith", "api-key.suspend", "default"),
        ("keysmith", "api-key.activate", "default"),
    ]
    assert [json.loads(e["Detail"]) for e in entries] == documents
    assert [e["Time"].isoformat() for e in entries] == [f"2026-11-30T10:00:0{i}+00:00" for i in range(3)]


def test_refused_entries_are_reported_as_the_batchs_failures(api: Api) -> None:
    _, created = some_changes(api)
    items = audit_items(api)
    assert [json.loads(i["audit_event"]["S"])["action"] for i in items] == ["create", "suspend", "activate"]
    bus = FakeBus(refuse={"api-key.suspend"})
    with wiring.replace(event_bus=bus):
        answer = publish({"Records": [insert(item, 100 + i) for i, item in enumerate(items)]})
    assert answer == {"batchItemFailures": [{"itemIdentifier": "101"}]}
    assert [e["DetailType"] for e in bus.accepted] == ["api-key.create", "api-key.activate"]
    for entry in bus.accepted:
        detail = json.loads(entry["Detail"])
        assert entry["Source"] == "keysmith" and detail["key_id"] == created["id"]
        assert created["key"] not in entry["Detail"]
        assert api.stored(created["id"])["key_hash"]["S"] not in entry["Detail"]


def test_more_than_ten_events_are_put_ten_at_a_time(api: Api) -> None:
    alice = api.session("alice", "acme")
    for i in range(12):
        api.created_key(alice, f"k{i}")
    bus = FakeBus()
    with wiring.replace(event_bus=bus):
        answer = publish({"Records": [insert(item, i) for i, item in enumerate(audit_items(api))]})
    assert answer == {"batchItemFailures": []} and len(bus.accepted) == 12


def test_a_ttl_removal_gets_one_system_event_however_often_it_is_delivered(api: Api) -> None:
    alice = api.session("alice", "acme")
    created = api.created_key(alice)
    assert api.revoke_key(alice, created["id"]).status == 200
    key_item = api.stored(created["id"])
    client, table = api.parts.store.client, api.parts.store.table
    bus = FakeBus()
    with wiring.replace(event_bus=bus):
        for attempt in range(3):
            assert publish({"Records": [removal(key_item, 7 + attempt)]}) == {"batchItemFailures": []}
        # a delete by a request is audited by the request, never again by the stream
        assert publish({"Records": [removal(key_item, 20, by_ttl=False)]}) == {"batchItemFailures": []}
    events = stored_events(client, table, created["id"])
    assert [e["action"] for e in events] == ["create", "revoke", "expire"]
    expire = events[-1]
    assert expire["actor"] == {"type": "system", "id": "dynamodb-ttl"}
    assert expire["source_ip"] is expire["user_agent"] is expire["request_id"] is None
    assert expire["changes"]["status"] == {"from": "revoked", "to": None}
    assert "key_hash" not in expire["changes"]
    assert bus.accepted == []  # published when its own INSERT arrives, like every event
    expire_item = next(i for i in audit_items(api) if json.loads(i["audit_event"]["S"])["action"] == "expire")
    with wiring.replace(event_bus=bus):
        assert publish({"Records": [insert(expire_item, 30)]}) == {"batchItemFailures": []}
    assert [e["DetailType"] for e in bus.accepted] == ["api-key.expire"]


def test_a_store_fault_on_a_ttl_event_reports_that_record_only(api: Api) -> None:
    alice = api.session("alice", "acme")
    created = api.created_key(alice)
    key_item = api.stored(created["id"])
    (create_item,) = audit_items(api)

    class Unavailable(AuditEvents):
        def put_event(self, event: Any) -> bool:
            raise StoreUnavailable("injected")

    bus = FakeBus()
    publisher = AuditPublisher(bus, Unavailable(None, "unused"), lambda: 0.0, quiet)
    answer = publisher.handle({"Records": [removal(key_item, 1), insert(create_item, 2)]})
    assert answer == {"batchItemFailures": [{"itemIdentifier": "1"}]}
    assert [e["DetailType"] for e in bus.accepted] == ["api-key.create"]


@pytest.mark.parametrize("record", [{"eventName": "MODIFY", "dynamodb": {"SequenceNumber": "1"}}, {}])
def test_records_that_are_not_audit_items_or_ttl_removals_are_ignored(
    api: Api, record: dict[str, Any]
) -> None:
    bus = FakeBus()
    with wiring.replace(event_bus=bus):
        assert publish({"Records": [record]}) == {"batchItemFailures": []}
    assert bus.accepted == []
