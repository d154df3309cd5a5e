"""The audit publisher: a batch of the keys table's stream records in, EventBridge events out.

- A new audit item (``INSERT`` with ``audit_event``) becomes one event on the default bus: source
  ``keysmith``, detail-type ``api-key.<action>``, detail the audit event as the API shows it.
- A key removed by DynamoDB's TTL (``REMOVE`` by the service identity ``dynamodb.amazonaws.com``)
  gets its ``system`` audit event, written with an id derived from the key id (so a redelivered
  record writes nothing new); that item's own ``INSERT`` is then published like any other.
- Anything else is ignored (the event source mapping's filter sends only these two kinds).

Delivery is at least once: a record that failed is reported in ``batchItemFailures`` and the stream
retries from the first one reported (records after it that had succeeded are sent again), then, after
its retries, sends the batch's position to the dead-letter queue. Consumers de-duplicate by the
event's ``id``. Nothing here runs on a request's path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from keysmith.domain.audit import removal_event
from keysmith.domain.ports import AuditLog
from keysmith.store import items
from keysmith.store.audit_events import document_of, is_event_item
from keysmith.streams.event_bus import MAX_ENTRIES_PER_CALL, EventBus

SOURCE = "keysmith"
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def entry_for(document: dict[str, Any]) -> dict[str, Any]:
    """The PutEvents entry of one audit event."""
    occurred = datetime.fromisoformat(document["occurred_at"].replace("Z", "+00:00")).astimezone(UTC)
    return {
        "Source": SOURCE,
        "DetailType": f"api-key.{document['action']}",
        "Detail": json.dumps(document, separators=(",", ":"), sort_keys=True),
        "Time": occurred,
        "EventBusName": "default",
    }


def is_ttl_removal(record: dict[str, Any]) -> bool:
    identity = record.get("userIdentity") or {}
    return record.get("eventName") == "REMOVE" and all(identity.get(k) == v for k, v in TTL_IDENTITY.items())


class AuditPublisher:
    def __init__(
        self, bus: EventBus, log: AuditLog, now: Callable[[], float], warn: Callable[..., None]
    ) -> None:
        self.bus = bus
        self.log = log
        self.now = now
        self.warn = warn

    def handle(self, batch: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
        """One stream batch; the answer names the records to retry (Lambda's partial batch response)."""
        failed: list[str] = []
        pending: list[tuple[str, dict[str, Any]]] = []
        for record in batch.get("Records") or []:
            change = record.get("dynamodb") or {}
            sequence = str(change.get("SequenceNumber", ""))
            try:
                new, old = change.get("NewImage"), change.get("OldImage")
                if record.get("eventName") == "INSERT" and new is not None and is_event_item(new):
                    pending.append((sequence, entry_for(document_of(new))))
                elif is_ttl_removal(record) and old is not None and items.is_key_item(old):
                    self.log.put_event(removal_event(items.from_item(old), self.now()))
            except Exception as error:  # a store fault, or an item this code cannot read
                self.warn("stream record not processed", sequence=sequence, error=type(error).__name__)
                failed.append(sequence)
        for start in range(0, len(pending), MAX_ENTRIES_PER_CALL):
            chunk = pending[start : start + MAX_ENTRIES_PER_CALL]
            accepted = self.bus.put([entry for _, entry in chunk])
            for (sequence, _), ok in zip(chunk, accepted, strict=True):
                if not ok:
                    self.warn("audit event not published", sequence=sequence)
                    failed.append(sequence)
        return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
