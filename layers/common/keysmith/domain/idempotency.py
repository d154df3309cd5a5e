"""Idempotent create: the ``Idempotency-Key`` record that pairs a retried ``POST /v1/api-keys`` with
the key its first attempt made, without keeping the secret.

The record is one item in the keys table, written in the same transaction as the key:

- ``id``: ``idem#<tenant>#<caller type>:<caller id>#<sha256 of the header>``, so two callers' headers
  never collide (the caller is who made the call: the user of a session, or the API key itself);
- ``fingerprint``: SHA-256 of the request body as canonical JSON (sorted keys, no spaces);
- ``key_id``: the key the first attempt created (the key item holds it too);
- ``created_at`` and ``ttl`` = ``created_at`` + 24 hours. DynamoDB's TTL removes the record some time
  after that; every read checks the time itself (``live``).

It has no ``tenant_id``, ``owner_key`` or ``key_hash``: neither index lists it and the verification
core never reads it as a key. Nothing derived from the plaintext is in it but the key id.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keysmith.domain import audit, policy
from keysmith.domain.api_key import KeyRecord
from keysmith.domain.ports import StoreUnavailable, TransactionCancelled
from keysmith.domain.principals import Principal
from keysmith.domain.problems import Problem

if TYPE_CHECKING:  # the store imports IdempotencyRecord; creating keys is not its business
    from keysmith.domain.create import KeyCreator, NewKey

HEADER = "Idempotency-Key"
POINTER = "/headers/Idempotency-Key"
WINDOW_SECONDS = 24 * 3600
_VALUE = re.compile(r"[\x20-\x7e]{1,255}")


def header_value(value: str | None) -> str | None:
    """The request's Idempotency-Key, or None when absent; 400 when it is not 1-255 printable ASCII."""
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
    return record_id_for(principal.tenant_id, principal.idempotency_scope, header)


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


def _mismatch() -> Problem:
    detail = "This Idempotency-Key was used with a different request body in the last 24 hours."
    return Problem("validation-error", detail, errors=[{"pointer": POINTER, "detail": detail}])


def _gone() -> Problem:
    return Problem(
        "conflict",
        "The key created with this Idempotency-Key is no longer available; send a new Idempotency-Key.",
    )


def create_once(
    creator: KeyCreator, principal: Principal, request: NewKey, header: str, body_fingerprint: str
) -> tuple[KeyRecord, str | None]:
    """Create a key, or replay the one an earlier request with this header and body created.

    Returns the record and its plaintext for a new key; the record's current state and None for a
    replay. One transaction (the record and the key, both or neither); a replay adds one read.
    """
    store = creator.store
    item_id = record_id(principal, header)
    try:
        record, plaintext = creator.build_record(principal, request)
    except Problem as problem:
        # A rule that held on the first attempt may not hold now (an expires_at since passed):
        # a live record for this exact request still replays.
        if problem.status not in (403, 422):
            raise
        earlier = _read(creator, item_id)
        if earlier is None or not earlier.live(creator.now()) or earlier.fingerprint != body_fingerprint:
            raise
        return _replay(creator, principal, earlier), None
    now = int(creator.now())
    idem = IdempotencyRecord(item_id, body_fingerprint, record.id, now, now + WINDOW_SECONDS)
    try:
        store.put_once(idem, record, (audit.created(principal, record),))
    except TransactionCancelled as cancelled:
        code, old = cancelled.reasons[0] if cancelled.reasons else ("None", None)
        # Throttling and conflicts never get here: the store raises StoreUnavailable for them.
        codes = {c for c, _ in cancelled.reasons}
        earlier = old if code == "ConditionalCheckFailed" and isinstance(old, IdempotencyRecord) else None
        if earlier is None:
            raise RuntimeError(f"create transaction cancelled: {sorted(codes)}") from None
        if not earlier.live(creator.now()):
            # Expired between the condition and now: the caller may simply retry.
            raise StoreUnavailable("idempotency record expired during the request") from None
        if earlier.fingerprint != body_fingerprint:
            raise _mismatch() from None
        return _replay(creator, principal, earlier), None
    return record, plaintext


def _read(creator: KeyCreator, item_id: str) -> IdempotencyRecord | None:
    try:
        return creator.store.idempotency_record(item_id)
    except StoreUnavailable:
        return None


def _replay(creator: KeyCreator, principal: Principal, earlier: IdempotencyRecord) -> KeyRecord:
    record = creator.store.get(earlier.key_id)
    if record is None or not policy.visible(principal, record):
        raise _gone()
    return record
