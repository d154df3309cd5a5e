"""Audited writes as one DynamoDB TransactWriteItems: a key's put, change or delete with its audit
events, both or neither. botocore sends every TransactWriteItems with a ClientRequestToken and
keeps it across its retries, so DynamoDB answers the retry of a transaction that landed as the
success it was; where a store ignores the token (moto), the retry's cancellation says that this
call's own event is already stored, which is read as that same success (``transact``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from keysmith.domain.api_key import KeyRecord
from keysmith.domain.audit import AuditEvent
from keysmith.domain.ports import Change, ConditionFailed, StoreUnavailable, TransactionCancelled
from keysmith.store import audit_events, items
from keysmith.store.client import UNAVAILABLE_CODES, error_code, guard
from keysmith.store.items import from_item, to_item


class Transactions:
    """The transactions of one table (and the retention its audit events are written with)."""

    def __init__(self, client: Any, table_name: str, audit_retention_days: int) -> None:
        self.client = client
        self.table = table_name
        self.audit_retention_days = audit_retention_days

    def transact(self, actions: list[dict[str, Any]]) -> None:
        """One TransactWriteItems: all actions or none. Raises ``TransactionCancelled`` with reasons."""
        try:
            with guard():
                self.client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            reasons: list[tuple[str, dict[str, Any] | None]] = [
                (str(reason.get("Code", "None")), dict(reason["Item"]) if reason.get("Item") else None)
                for reason in error.response.get("CancellationReasons", [])
            ]
            codes = {code for code, _ in reasons}
            if codes & UNAVAILABLE_CODES:
                raise StoreUnavailable("transaction throttled or in conflict") from error
            if any(
                code == "ConditionalCheckFailed" and audit_events.is_event_put(action)
                for (code, _), action in zip(reasons, actions, strict=False)
            ):
                return  # this call's own event is stored: an earlier attempt landed (lost answer)
            raise TransactionCancelled(reasons) from None

    def put_action(self, record: KeyRecord) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(record),
                "ConditionExpression": "attribute_not_exists(id)",
            }
        }

    def event_puts(self, audit: tuple[AuditEvent, ...]) -> list[dict[str, Any]]:
        return [audit_events.put_action(self.table, event, self.audit_retention_days) for event in audit]

    def audited(self, actions: list[dict[str, Any]], change: Change) -> None:
        """A change (its first action, with the key as it was on a condition failure) and its
        events, in one transaction; ``ConditionFailed`` when the change's condition failed."""
        actions[0][next(iter(actions[0]))]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            self.transact_entities([*actions, *self.event_puts(change.audit)], lambda raw: None)
        except TransactionCancelled as cancelled:
            code, old = cancelled.reasons[0] if cancelled.reasons else ("None", None)
            if code != "ConditionalCheckFailed":
                raise
            raise ConditionFailed(old if isinstance(old, KeyRecord) else None) from None

    def transact_entities(
        self, actions: list[dict[str, Any]], decode: Callable[[dict[str, Any]], Any]
    ) -> None:
        """``transact``, with each cancellation reason's old item read as its entity: a key, or
        what ``decode`` makes of another item (None when it is not one)."""
        try:
            self.transact(actions)
        except TransactionCancelled as cancelled:
            reasons: list[tuple[str, Any]] = []
            for code, raw in cancelled.reasons:
                entity = None
                if raw:
                    entity = from_item(raw) if items.is_key_item(raw) else decode(raw)
                reasons.append((code, entity))
            raise TransactionCancelled(reasons) from None
