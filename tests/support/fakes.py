"""Typed fakes of the store Protocol (``keysmith.domain.ports.KeyStore``), for the domain tests.

``MemoryStore`` keeps records in a dict with DynamoDB's conditional last-used write; it counts reads
and writes and fails them on demand. ``RecordingStore`` records every change the domain asks for,
rendered with the real store's renderer, and answers as it is told. A call the fake does not model
fails the test loudly, so a fake never answers something the store would not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

from keysmith.domain import key_format
from keysmith.domain.api_key import ACTIVE, KeyRecord
from keysmith.domain.audit import AuditEvent
from keysmith.domain.idempotency import IdempotencyRecord
from keysmith.domain.ports import Change, KeyStore, Listing, Page, Use, UseOutcome
from keysmith.store import items
from keysmith.store.conditions import change_condition

T0 = 1_795_341_600.0


def new_key(prefix: str = "ks", **changes: Any) -> tuple[str, KeyRecord]:
    """A fresh plaintext and the active record that stores it (created an hour before ``T0``)."""
    plaintext = key_format.generate(prefix)
    digest = key_format.digest(plaintext)
    record = KeyRecord(
        id=key_format.key_id(digest),
        key_hash=digest.hex(),
        tenant_id="acme",
        owner_type="user",
        owner_id="u_1",
        name="test",
        prefix=plaintext[: len(prefix) + 5],
        last_four=plaintext[-4:],
        scopes=("read", "write"),
        status=ACTIVE,
        created_at=T0 - 3600,
        created_by_type="user",
        created_by_id="u_1",
        updated_at=T0 - 3600,
    )
    return plaintext, record.with_changes(**changes)


KEY_ID = "3c90c3cc-0d44-8b50-a888-8dd25736052a"


def alices_key(at: float, **changes: Any) -> KeyRecord:
    """An active read key of alice's in acme (id ``KEY_ID``), created and last changed ``at``, with
    ``changes`` made to it."""
    return KeyRecord(
        id=KEY_ID,
        key_hash="00" * 32,
        tenant_id="acme",
        owner_type="user",
        owner_id="alice",
        name="k",
        prefix="ks_abcd",
        last_four="wxyz",
        scopes=("read",),
        status=ACTIVE,
        created_at=at,
        created_by_type="user",
        created_by_id="alice",
        updated_at=at,
    ).with_changes(**changes)


def not_modelled(call: str) -> NoReturn:
    raise AssertionError(f"this fake does not model {call}; the code under test was not expected to call it")


class Unmodelled:
    """The KeyStore calls that neither fake models."""

    def put_new(self, record: KeyRecord, audit: tuple[AuditEvent, ...]) -> None:
        not_modelled("put_new")

    def page(self, listing: Listing, limit: int, cursor: str | None) -> Page:
        not_modelled("page")

    def idempotency_record(self, item_id: str) -> IdempotencyRecord | None:
        not_modelled("idempotency_record")

    def put_once(self, record: IdempotencyRecord, key: KeyRecord, audit: tuple[AuditEvent, ...]) -> None:
        not_modelled("put_once")

    def use(self, use: Use) -> UseOutcome:
        not_modelled("use")


@dataclass
class MemoryStore(Unmodelled, KeyStore):
    """Records by id, with DynamoDB's conditional-write semantics for the last-used write."""

    records: dict[str, KeyRecord] = field(default_factory=dict)
    reads: int = 0
    writes: int = 0
    fail_writes: Exception | None = None
    fail_reads: Exception | None = None

    @classmethod
    def holding(cls, *records: KeyRecord) -> MemoryStore:
        return cls({record.id: record for record in records})

    def get(self, key_id: str) -> KeyRecord | None:
        self.reads += 1
        if self.fail_reads is not None:
            raise self.fail_reads
        return self.records.get(key_id)

    def touch_last_used(
        self, key_id: str, *, at: float, not_after: float, ip: str | None, user_agent: str | None
    ) -> bool:
        self.writes += 1
        if self.fail_writes is not None:
            raise self.fail_writes
        record = self.records.get(key_id)
        if record is None or (record.last_used_at is not None and record.last_used_at > not_after):
            return False
        self.records[key_id] = record.with_changes(
            last_used_at=at, last_used_ip=ip, last_used_user_agent=user_agent
        )
        return True

    def change(self, key_id: str, change: Change) -> KeyRecord:
        not_modelled("change")

    def delete(self, key_id: str, change: Change) -> None:
        not_modelled("delete")

    def rotate(self, successor: KeyRecord, key_id: str, change: Change) -> None:
        not_modelled("rotate")


def rendered(key_id: str, change: Change) -> dict[str, Any]:
    """What the store sends for ``change``: its condition and values, as ``keysmith.store`` renders them."""
    condition, names, values = change_condition(change)
    return {
        "key_id": key_id,
        "set_values": items.values(change.sets),
        "remove": change.remove,
        "condition": condition,
        "names": names,
        "values": values,
    }


@dataclass
class RecordingStore(Unmodelled, KeyStore):
    """Records what the domain asks of the store (rendered as the store renders it); answers as told:
    ``stored`` is the key every read sees, ``fail_with`` what every write raises. A change answers
    the key the domain expects after it; ``events`` holds the audit events each write carried."""

    stored: KeyRecord | None = None
    fail_with: Exception | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)
    transactions: list[list[dict[str, Any]]] = field(default_factory=list)
    events: list[tuple[AuditEvent, ...]] = field(default_factory=list)

    def change(self, key_id: str, change: Change) -> KeyRecord:
        self.updates.append(rendered(key_id, change))
        self.events.append(change.audit)
        if self.fail_with is not None:
            raise self.fail_with
        assert change.expected is not None
        return change.expected

    def delete(self, key_id: str, change: Change) -> None:
        self.updates.append({**rendered(key_id, change), "delete": True})
        self.events.append(change.audit)
        if self.fail_with is not None:
            raise self.fail_with

    def get(self, key_id: str) -> KeyRecord | None:
        return self.stored

    def touch_last_used(
        self, key_id: str, *, at: float, not_after: float, ip: str | None, user_agent: str | None
    ) -> bool:
        not_modelled("touch_last_used")

    def rotate(self, successor: KeyRecord, key_id: str, change: Change) -> None:
        self.transactions.append([{"Put": successor}, {"Update": rendered(key_id, change)}])
        self.events.append(change.audit)
        if self.fail_with is not None:
            raise self.fail_with
