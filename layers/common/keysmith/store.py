"""The DynamoDB repository: one table, conditional writes, paged index queries. No HTTP here.

Every DynamoDB call goes through ``_guard`` so that throttling, server errors, time-outs and
dropped connections become ``StoreUnavailable`` (answered 503 with Retry-After) and nothing else
leaks out of this module as a botocore type.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from keysmith.records import KeyRecord, from_item, number, to_item

TENANT_INDEX = "by_tenant"
OWNER_INDEX = "by_owner"
_INDEX_PARTITION = {TENANT_INDEX: "tenant_id", OWNER_INDEX: "owner_key"}

_UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionInProgressException",
        "LimitExceededException",
        # TransactWriteItems cancellation reason codes (CancellationReasons[].Code) for the same faults
        "ThrottlingError",
        "ProvisionedThroughputExceeded",
        "TransactionConflict",
    }
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#[0-9a-f-]{36}")


class StoreUnavailable(Exception):
    """DynamoDB throttled, failed or could not be reached; the caller may retry."""


class ConditionFailed(Exception):
    """A conditional write did not apply. ``item`` is the item as it was (None when absent)."""

    def __init__(self, item: KeyRecord | None, raw: dict[str, Any] | None = None) -> None:
        super().__init__("condition failed")
        self.item = item
        self.raw = raw


class TransactionCancelled(Exception):
    """A transaction did not apply; ``reasons`` has one entry per action (code, old item or None)."""

    def __init__(self, reasons: list[tuple[str, dict[str, Any] | None]]) -> None:
        super().__init__("transaction cancelled")
        self.reasons = reasons


class BadCursor(ValueError):
    """A list cursor that this service did not issue for this listing."""


def client_config() -> Config:
    # Short time-outs and few retries: a Lambda should answer 503 quickly rather than hang.
    return Config(
        connect_timeout=2,
        read_timeout=3,
        retries={"max_attempts": 3, "mode": "standard"},
        tcp_keepalive=True,
    )


@cache
def default_client(endpoint_url: str | None = None) -> Any:
    # botocore directly, not boto3: boto3's import also loads s3transfer, which costs a cold start
    # tens of milliseconds for nothing a DynamoDB client uses (measured by `make bench`).
    session = botocore.session.get_session()
    return session.create_client("dynamodb", endpoint_url=endpoint_url, config=client_config())


@contextmanager
def _guard() -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in _UNAVAILABLE_CODES:
            raise StoreUnavailable(code) from error
        raise
    except BotoCoreError as error:  # time-outs, dropped connections, endpoint errors
        raise StoreUnavailable(type(error).__name__) from error


def _condition_failed(error: ClientError) -> ConditionFailed:
    response: dict[str, Any] = dict(error.response)
    old: dict[str, Any] | None = response.get("Item")
    return ConditionFailed(from_item(old) if old and "key_hash" in old else None, old)


def _is_condition_failure(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


@dataclass(frozen=True, slots=True)
class Page:
    records: list[KeyRecord]
    cursor: str | None


def encode_cursor(last_key: Mapping[str, Any], binding: str) -> str:
    flat = {name: value["S"] for name, value in last_key.items()}
    flat["b"] = binding
    raw = json.dumps(flat, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, index: str, partition: str, binding: str) -> dict[str, Any]:
    """The ExclusiveStartKey of a cursor, after checking it belongs to exactly this listing."""
    if not 0 < len(cursor) <= 1024:
        raise BadCursor("cursor has the wrong length")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor("cursor is not one this service issued") from None
    part_name = _INDEX_PARTITION[index]
    expected = {"id", "created_sk", part_name, "b"}
    if (
        not isinstance(data, dict)
        or set(data) != expected
        or not all(isinstance(v, str) for v in data.values())
    ):
        raise BadCursor("cursor is not one this service issued")
    if data["b"] != binding or data[part_name] != partition:
        raise BadCursor("cursor belongs to another listing")
    if not _UUID.fullmatch(data["id"]) or not _STAMP.fullmatch(data["created_sk"]):
        raise BadCursor("cursor is not one this service issued")
    return {name: {"S": data[name]} for name in ("id", "created_sk", part_name)}


class KeyStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.table = table_name

    # --- reads --------------------------------------------------------------------------------
    def get(self, key_id: str) -> KeyRecord | None:
        """One consistent primary-key read."""
        with _guard():
            answer = self.client.get_item(
                TableName=self.table, Key={"id": {"S": key_id}}, ConsistentRead=True
            )
        item = answer.get("Item")
        return from_item(item) if item is not None and "key_hash" in item else None

    def get_raw(self, item_id: str) -> dict[str, Any] | None:
        with _guard():
            answer = self.client.get_item(
                TableName=self.table, Key={"id": {"S": item_id}}, ConsistentRead=True
            )
        item: dict[str, Any] | None = answer.get("Item")
        return item

    def query(
        self,
        index: str,
        partition: str,
        limit: int,
        cursor: str | None,
        *,
        binding: str = "",
        filter_expression: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> Page:
        """One page, newest first, from a GSI. ``binding`` ties the cursor to the listing's filters."""
        part_name = _INDEX_PARTITION[index]
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": "#p = :p",
            "ExpressionAttributeNames": {"#p": part_name, **(names or {})},
            "ExpressionAttributeValues": {":p": {"S": partition}, **(values or {})},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if filter_expression:
            request["FilterExpression"] = filter_expression
        if cursor:
            request["ExclusiveStartKey"] = decode_cursor(cursor, index, partition, binding)
        with _guard():
            answer = self.client.query(**request)
        records = [from_item(item) for item in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        return Page(records, encode_cursor(last, binding) if last else None)

    # --- writes -------------------------------------------------------------------------------
    def put_new(self, record: KeyRecord) -> None:
        """Store a new key; never overwrites.

        botocore retries a write whose answer was lost (a time-out after DynamoDB applied it); the
        retry then fails its own condition. The item already there is ours exactly when it holds
        this key's digest (ids come from 256-bit random keys), so that is a success, not an error.
        """
        try:
            with _guard():
                self.client.put_item(
                    TableName=self.table,
                    Item=to_item(record),
                    ConditionExpression="attribute_not_exists(id)",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            existing = _condition_failed(error).item
            if existing is None or existing.key_hash != record.key_hash:
                raise

    def update(
        self,
        key_id: str,
        *,
        set_values: Mapping[str, dict[str, Any]],
        remove: tuple[str, ...] = (),
        condition: str,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, dict[str, Any]] | None = None,
    ) -> KeyRecord:
        """One conditional UpdateItem that also bumps ``version``. Raises ``ConditionFailed`` with
        the item as it was, so the caller can tell "not yours" from "not in that status".

        Each call stamps the item with a fresh ``change_token``. When DynamoDB applied the write
        but its answer was lost, botocore's retry fails the condition the first attempt made
        false; finding our own token on the item tells that apart, and the change is answered as
        the success it was (not as a 409).
        """
        token = uuid.uuid4().hex
        request = self.update_request(
            key_id,
            set_values={**set_values, "change_token": {"S": token}},
            remove=remove,
            condition=condition,
            names=names,
            values=values,
        )
        try:
            with _guard():
                answer = self.client.update_item(
                    **request, ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD"
                )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            failed = _condition_failed(error)
            if failed.item is not None and (failed.raw or {}).get("change_token") == {"S": token}:
                return failed.item
            raise failed from None
        return from_item(answer["Attributes"])

    def update_request(
        self,
        key_id: str,
        *,
        set_values: Mapping[str, dict[str, Any]],
        remove: tuple[str, ...] = (),
        condition: str,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The parameters of a conditional update (for UpdateItem or inside a transaction)."""
        attr_names: dict[str, str] = dict(names or {})
        attr_values: dict[str, Any] = dict(values or {})
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
            with _guard():
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

    def delete(
        self,
        key_id: str,
        *,
        condition: str,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        request: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"id": {"S": key_id}},
            "ConditionExpression": condition,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if names:
            request["ExpressionAttributeNames"] = dict(names)
        if values:
            request["ExpressionAttributeValues"] = dict(values)
        try:
            with _guard():
                self.client.delete_item(**request)
        except ClientError as error:
            if _is_condition_failure(error):
                raise _condition_failed(error) from None
            raise

    def transact(self, actions: list[dict[str, Any]]) -> None:
        """One TransactWriteItems: all actions or none. Raises ``TransactionCancelled`` with reasons."""
        try:
            with _guard():
                self.client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons: list[tuple[str, dict[str, Any] | None]] = [
                (str(reason.get("Code", "None")), dict(reason["Item"]) if reason.get("Item") else None)
                for reason in error.response.get("CancellationReasons", [])
            ]
            codes = {code for code, _ in reasons}
            if codes & _UNAVAILABLE_CODES:
                raise StoreUnavailable("transaction throttled or in conflict") from error
            raise TransactionCancelled(reasons) from None

    def put_action(self, record: KeyRecord) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_item(record),
                "ConditionExpression": "attribute_not_exists(id)",
            }
        }
