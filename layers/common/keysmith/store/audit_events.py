"""Audit events in the keys table: their items, the transaction action that writes one beside a
change, the page of a tenant's events (index ``by_audit_tenant``, newest first) and the
idempotent put of an event written outside a change (a TTL removal noticed on the stream).

An event item's attributes are all prefixed ``audit_`` (apart from ``id`` and ``ttl``) so that no
key index lists it and the verification core never reads it as a key:

- ``id``: ``audit#<event id>``; ``ttl``: the end of its retention (``AuditRetentionDays``);
- ``audit_tenant`` and ``audit_sk`` (sort stamp ``#`` event id): the index's keys;
- ``audit_owner``, ``audit_owner_type``, ``audit_owner_id``, ``audit_env``: whose key it was
  (who may see the event); ``audit_key``, ``audit_action``: the filters;
- ``audit_event``: the event as the API and EventBridge show it, as JSON text (its ``changes``
  hold whatever fields the key has, whatever their shape).
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from keysmith.clock import parse_rfc3339, sort_stamp
from keysmith.domain.api_key import owner_key
from keysmith.domain.audit import AuditEvent, expires_at
from keysmith.domain.ports import AuditListing, AuditPage
from keysmith.store.client import error_code, guard
from keysmith.store.cursors import decode_cursor
from keysmith.store.listing import filled_page, index_query

ITEM_PREFIX = "audit#"
INDEX = "by_audit_tenant"
PARTITION, SORT = "audit_tenant", "audit_sk"
DEFAULT_RETENTION_DAYS = 365


def item_id(event_id: str) -> str:
    return f"{ITEM_PREFIX}{event_id}"


def is_event_item(item: dict[str, Any] | None) -> bool:
    return bool(item) and "audit_event" in item  # type: ignore[operator]


def to_item(event: AuditEvent, retention_days: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": {"S": item_id(event.id)},
        PARTITION: {"S": event.tenant_id},
        SORT: {"S": f"{sort_stamp(event.occurred_at)}#{event.id}"},
        "audit_owner": {"S": owner_key(event.tenant_id, event.owner_type, event.owner_id)},
        "audit_owner_type": {"S": event.owner_type},
        "audit_owner_id": {"S": event.owner_id},
        "audit_key": {"S": event.key_id},
        "audit_action": {"S": event.action},
        "audit_event": {"S": json.dumps(event.document(), separators=(",", ":"), sort_keys=True)},
        "ttl": {"N": str(expires_at(event, retention_days))},
    }
    if event.environment_id:
        item["audit_env"] = {"S": event.environment_id}
    return item


def document_of(item: dict[str, Any]) -> dict[str, Any]:
    """The event's JSON form, as stored (what EventBridge receives as the detail)."""
    document: dict[str, Any] = json.loads(item["audit_event"]["S"])
    return document


def from_item(item: dict[str, Any]) -> AuditEvent:
    doc = document_of(item)
    env = item.get("audit_env")
    return AuditEvent(
        id=doc["id"],
        occurred_at=parse_rfc3339(doc["occurred_at"]),
        action=doc["action"],
        key_id=doc["key_id"],
        tenant_id=doc["tenant_id"],
        actor_type=doc["actor"]["type"],
        actor_id=doc["actor"]["id"],
        owner_type=item["audit_owner_type"]["S"],
        owner_id=item["audit_owner_id"]["S"],
        environment_id=env["S"] if env else None,
        source_ip=doc.get("source_ip"),
        user_agent=doc.get("user_agent"),
        request_id=doc.get("request_id"),
        changes=doc.get("changes") or {},
    )


def put_action(table: str, event: AuditEvent, retention_days: int) -> dict[str, Any]:
    """A transaction's Put of ``event``. Its condition fails only when this very event is already
    stored (event ids are fresh per change): the sign that an earlier attempt of the same
    transaction landed."""
    return {
        "Put": {
            "TableName": table,
            "Item": to_item(event, retention_days),
            "ConditionExpression": "attribute_not_exists(id)",
        }
    }


def is_event_put(action: dict[str, Any]) -> bool:
    return is_event_item(action.get("Put", {}).get("Item"))


def query_request(table: str, listing: AuditListing, limit: int, start: str | None) -> dict[str, Any]:
    """One Query of the tenant's events, with the listing's filters, after ``start`` (a cursor,
    checked against the listing it was issued for)."""
    filters = [
        (f"{attribute} = :f_{attribute}", {f":f_{attribute}": {"S": wanted}})
        for attribute, wanted in (
            ("audit_owner", listing.owner_key),
            ("audit_env", listing.environment_id),
            ("audit_key", listing.key_id),
            ("audit_action", listing.action),
        )
        if wanted is not None
    ]
    request = index_query(table, INDEX, (PARTITION, listing.tenant_id), filters, limit)
    if start:
        request["ExclusiveStartKey"] = decode_cursor(
            start, PARTITION, listing.tenant_id, listing.binding, sort_name=SORT, id_prefix=ITEM_PREFIX
        )
    return request


class AuditEvents:
    """The audit log of one table (``keysmith.domain.ports.AuditLog``)."""

    def __init__(self, client: Any, table_name: str, retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self.client = client
        self.table = table_name
        self.retention_days = retention_days

    def audit_page(self, listing: AuditListing, limit: int, cursor: str | None) -> AuditPage:
        """One page, newest first, filled as a key listing's is (``listing.filled_page``)."""
        found, after = filled_page(
            self.client,
            lambda asked, start: query_request(self.table, listing, asked, start),
            limit,
            cursor,
            position=lambda item: {name: item[name] for name in ("id", PARTITION, SORT)},
            binding=listing.binding,
        )
        return AuditPage([from_item(item) for item in found], after)

    def put_event(self, event: AuditEvent) -> bool:
        try:
            with guard():
                self.client.put_item(
                    TableName=self.table,
                    Item=to_item(event, self.retention_days),
                    ConditionExpression="attribute_not_exists(id)",
                )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True
