"""The key store on DynamoDB: one table, conditional writes, paged index queries. No HTTP here.

``KeyStore`` implements ``keysmith.domain.ports.KeyStore``. Every call goes through
``client.guard``, so only the errors ``ports`` promises leave this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from keysmith.domain.api_key import KeyRecord
from keysmith.domain.audit import AuditEvent
from keysmith.domain.idempotency import IdempotencyRecord
from keysmith.domain.ports import (
    Change,
    Listing,
    Page,
    Use,
    UseOutcome,
)
from keysmith.store import audit_events, items
from keysmith.store.client import error_code, guard
from keysmith.store.conditions import Expression, change_condition
from keysmith.store.items import from_item, number
from keysmith.store.limits import use_key
from keysmith.store.listing import filled_page, listing_position, query_request
from keysmith.store.transactions import Transactions


def _is_condition_failure(error: ClientError) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


class KeyStore:
    """Every write of a key (``put_new``, ``change``, ``delete``, ``rotate``, ``put_once``) is one
    TransactWriteItems with its audit events, both or neither (``keysmith.store.transactions``);
    the uses of a key (``use``, ``touch_last_used``) are single UpdateItems and not changes."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        audit_retention_days: int = audit_events.DEFAULT_RETENTION_DAYS,
    ) -> None:
        self.client = client
        self.table = table_name
        self.audit_retention_days = audit_retention_days
        self.writes = Transactions(client, table_name, audit_retention_days)

    # --- reads --------------------------------------------------------------------------------
    def get(self, key_id: str) -> KeyRecord | None:
        """One consistent primary-key read."""
        item = self.get_raw(key_id)
        return from_item(item) if item is not None and items.is_key_item(item) else None

    def get_raw(self, item_id: str) -> dict[str, Any] | None:
        with guard():
            answer = self.client.get_item(
                TableName=self.table, Key={"id": {"S": item_id}}, ConsistentRead=True
            )
        item: dict[str, Any] | None = answer.get("Item")
        return item

    def page(self, listing: Listing, limit: int, cursor: str | None) -> Page:
        """One page, newest first, from an index; the listing's filters as a FilterExpression,
        filled as ``listing.filled_page`` says."""
        found, after = filled_page(
            self.client,
            lambda asked, start: query_request(self.table, listing, asked, start),
            limit,
            cursor,
            position=lambda item: listing_position(item, listing),
            binding=listing.binding,
        )
        return Page([from_item(item) for item in found], after)

    def idempotency_record(self, item_id: str) -> IdempotencyRecord | None:
        item = self.get_raw(item_id)
        return items.idempotency_from_item(item) if item else None

    # --- writes -------------------------------------------------------------------------------
    def put_new(self, record: KeyRecord, audit: tuple[AuditEvent, ...]) -> None:
        """Store a new key with its events, in one transaction; never overwrites (a lost answer is
        handled by ``transact``)."""
        self.writes.transact_entities(
            [self.writes.put_action(record), *self.writes.event_puts(audit)], lambda raw: None
        )

    def change(self, key_id: str, change: Change) -> KeyRecord:
        """The domain's conditional change (see ``conditions.change_condition``). An audited change
        is one transaction (the update and its events) and answers ``change.expected``."""
        update = self.update_request(
            key_id, items.values(change.sets), change.remove, change_condition(change)
        )
        self.writes.audited([{"Update": update}], change)
        assert change.expected is not None
        return change.expected

    def update_request(
        self,
        key_id: str,
        set_values: Mapping[str, dict[str, Any]],
        remove: tuple[str, ...],
        where: Expression,
    ) -> dict[str, Any]:
        """The parameters of an UpdateItem (alone or inside a transaction) that sets and removes
        attributes and bumps ``version``, on condition ``where`` (expression, names, values)."""
        condition, names, values = where
        attr_names: dict[str, str] = dict(names)
        attr_values: dict[str, Any] = dict(values)
        sets = ["#version = if_not_exists(#version, :zero) + :one"]
        attr_names["#version"] = "version"
        attr_values[":zero"] = {"N": "0"}
        attr_values[":one"] = {"N": "1"}
        for i, (name, value) in enumerate(set_values.items()):
            attr_names[f"#s{i}"] = name
            attr_values[f":s{i}"] = value
            sets.append(f"#s{i} = :s{i}")
        expression = "SET " + ", ".join(sets)
        if remove:
            for i, name in enumerate(remove):
                attr_names[f"#r{i}"] = name
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove)))
        return {
            "TableName": self.table,
            "Key": {"id": {"S": key_id}},
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": attr_names,
            "ExpressionAttributeValues": attr_values,
        }

    def touch_last_used(
        self, key_id: str, *, at: float, not_after: float, ip: str | None, user_agent: str | None
    ) -> bool:
        """Record a key's use: one conditional UpdateItem of ``last_used_*`` that applies only when
        the stored ``last_used_at`` is absent or not after ``not_after`` (one write per window across
        containers). False when the condition failed. Neither ``version`` nor ``updated_at`` move:
        a use is not a change to the key."""
        values: dict[str, Any] = {":at": number(at), ":not_after": number(not_after)}
        sets = ["last_used_at = :at"]
        removes: list[str] = []
        for name, value in (("last_used_ip", ip), ("last_used_user_agent", user_agent)):
            if value:
                values[f":{name}"] = {"S": value}
                sets.append(f"{name} = :{name}")
            else:
                removes.append(name)
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        try:
            with guard():
                self.client.update_item(
                    TableName=self.table,
                    Key={"id": {"S": key_id}},
                    UpdateExpression=expression,
                    ConditionExpression="attribute_exists(key_hash) AND "
                    "(attribute_not_exists(last_used_at) OR last_used_at <= :not_after)",
                    ExpressionAttributeValues=values,
                )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def use(self, use: Use) -> UseOutcome:
        """A metered verification: one conditional UpdateItem (``keysmith.store.limits``)."""
        return use_key(self.client, self.table, use)

    def delete(self, key_id: str, change: Change) -> None:
        """One conditional DeleteItem with its events, in one transaction; ``ConditionFailed``
        with the key as it was."""
        condition, names, values = change_condition(change)
        request: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"id": {"S": key_id}},
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        self.writes.audited([{"Delete": request}], change)

    def rotate(self, successor: KeyRecord, key_id: str, change: Change) -> None:
        """The successor's put and the old key's conditional change, in one transaction; the
        cancellation reasons carry the old key as it was."""
        update = self.update_request(
            key_id, items.values(change.sets), change.remove, change_condition(change)
        )
        update["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        self.writes.transact_entities(
            [self.writes.put_action(successor), {"Update": update}, *self.writes.event_puts(change.audit)],
            lambda raw: None,
        )

    def put_once(self, record: IdempotencyRecord, key: KeyRecord, audit: tuple[AuditEvent, ...]) -> None:
        """The idempotency record (replacing one past its window, never a live one) and the key."""
        put_record = {
            "Put": {
                "TableName": self.table,
                "Item": items.idempotency_to_item(record),
                # A record past its 24 hours (TTL not yet run) is replaced, never replayed.
                "ConditionExpression": "attribute_not_exists(id) OR #ttl <= :now",
                "ExpressionAttributeNames": {"#ttl": "ttl"},
                "ExpressionAttributeValues": {":now": {"N": str(record.created_at)}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        self.writes.transact_entities(
            [put_record, self.writes.put_action(key), *self.writes.event_puts(audit)],
            items.idempotency_from_item,
        )
