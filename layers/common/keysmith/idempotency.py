"""Idempotent create: the ``Idempotency-Key`` record that pairs a retried ``POST /v1/api-keys`` with
the key its first attempt made, without keeping the secret.

The record is one item in the keys table, written in the same ``TransactWriteItems`` as the key:

- ``id``: ``idem#<tenant>#<caller type>:<caller id>#<sha256 of the header>``, so two callers' headers
  never collide (the caller is who made the call: the user of a session, or the API key itself);
- ``fingerprint``: SHA-256 of the request body as canonical JSON (sorted keys, no spaces);
- ``key_id``: the key the first attempt created (the key item holds it too);
- ``created_at`` and ``ttl`` = ``created_at`` + 24 hours. DynamoDB's TTL removes the record some time
  after that; every read checks the time itself.

It has no ``tenant_id``, ``owner_key`` or ``key_hash``: neither index lists it and the verification
core never reads it as a key. Nothing derived from the plaintext is in it but the key id.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from keysmith import policy
from keysmith.keys import KeyService, NewKey
from keysmith.principals import Principal
from keysmith.problems import Problem
from keysmith.records import KeyRecord
from keysmith.store import StoreUnavailable, TransactionCancelled

HEADER = "Idempotency-Key"
POINTER = "/headers/Idempotency-Key"
WINDOW_SECONDS = 24 * 3600
_VALUE = re.compile(r"[\x20-\x7e]{1,255}")


def header_value(headers: dict[str, str] | None) -> str | None:
    """The request's Idempotency-Key, or None when absent; 400 when it is not 1-255 printable ASCII."""
    value = next((v for k, v in (headers or {}).items() if k.lower() == HEADER.lower()), None)
    if value is None:
        return None
    if not _VALUE.fullmatch(value) or not value.strip():
        detail = "Idempotency-Key must be 1-255 printable ASCII characters (not only spaces)."
        raise Problem("malformed-request", detail, errors=[{"pointer": POINTER, "detail": detail}])
    return value


def fingerprint(body: Any) -> str:
    """SHA-256 of the body as canonical JSON: the same request in any key order or spacing matches."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def record_id(principal: Principal, header: str) -> str:
    return record_id_for(principal.tenant_id, principal.creator, header)


def record_id_for(tenant_id: str, caller: tuple[str, str], header: str) -> str:
    digest = hashlib.sha256(header.encode("ascii")).hexdigest()
    return f"idem#{tenant_id}#{caller[0]}:{caller[1]}#{digest}"


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    id: str
    fingerprint: str
    key_id: str
    created_at: int
    ttl: int

    def live(self, now: float) -> bool:
        return now < self.ttl

    def to_item(self) -> dict[str, Any]:
        return {
            "id": {"S": self.id},
            "fingerprint": {"S": self.fingerprint},
            "key_id": {"S": self.key_id},
            "created_at": {"N": str(self.created_at)},
            "ttl": {"N": str(self.ttl)},
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> IdempotencyRecord | None:
        try:
            return cls(
                id=item["id"]["S"],
                fingerprint=item["fingerprint"]["S"],
                key_id=item["key_id"]["S"],
                created_at=int(item["created_at"]["N"]),
                ttl=int(item["ttl"]["N"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def _mismatch() -> Problem:
    detail = "This Idempotency-Key was used with a different request body in the last 24 hours."
    return Problem("validation-error", detail, errors=[{"pointer": POINTER, "detail": detail}])


def _gone() -> Problem:
    return Problem(
        "conflict",
        "The key created with this Idempotency-Key is no longer available; send a new Idempotency-Key.",
    )


def create_once(
    service: KeyService, principal: Principal, request: NewKey, header: str, body_fingerprint: str
) -> tuple[KeyRecord, str | None]:
    """Create a key, or replay the one an earlier request with this header and body created.

    Returns the record and its plaintext for a new key; the record's current state and None for a
    replay. One TransactWriteItems (the record and the key, both or neither); a replay adds one GetItem.
    """
    store = service.runtime.store
    item_id = record_id(principal, header)
    try:
        record, plaintext = service.build_record(principal, request)
    except Problem as problem:
        # A rule that held on the first attempt may not hold now (an expires_at since passed):
        # a live record for this exact request still replays.
        if problem.status not in (403, 422):
            raise
        earlier = _read(store, item_id)
        if earlier is None or not earlier.live(service.now()) or earlier.fingerprint != body_fingerprint:
            raise
        return _replay(service, principal, earlier), None
    now = int(service.now())
    idem = IdempotencyRecord(item_id, body_fingerprint, record.id, now, now + WINDOW_SECONDS)
    put_record = {
        "Put": {
            "TableName": store.table,
            "Item": idem.to_item(),
            # A record past its 24 hours (TTL not yet run) is replaced, never replayed.
            "ConditionExpression": "attribute_not_exists(id) OR #ttl <= :now",
            "ExpressionAttributeNames": {"#ttl": "ttl"},
            "ExpressionAttributeValues": {":now": {"N": str(now)}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }
    try:
        store.transact([put_record, store.put_action(record)])
    except TransactionCancelled as cancelled:
        code, old = cancelled.reasons[0] if cancelled.reasons else ("None", None)
        # Throttling and conflicts never get here: KeyStore.transact raises StoreUnavailable for them.
        codes = {c for c, _ in cancelled.reasons}
        earlier = IdempotencyRecord.from_item(old) if code == "ConditionalCheckFailed" and old else None
        if earlier is None:
            raise RuntimeError(f"create transaction cancelled: {sorted(codes)}") from None
        if not earlier.live(service.now()):
            # Expired between the condition and now: the caller may simply retry.
            raise StoreUnavailable("idempotency record expired during the request") from None
        if earlier.fingerprint != body_fingerprint:
            raise _mismatch() from None
        return _replay(service, principal, earlier), None
    return record, plaintext


def _read(store: Any, item_id: str) -> IdempotencyRecord | None:
    try:
        item = store.get_raw(item_id)
    except StoreUnavailable:
        return None
    return IdempotencyRecord.from_item(item) if item else None


def _replay(service: KeyService, principal: Principal, earlier: IdempotencyRecord) -> KeyRecord:
    record = service.runtime.store.get(earlier.key_id)
    if record is None or not policy.visible(principal, record):
        raise _gone()
    return record
