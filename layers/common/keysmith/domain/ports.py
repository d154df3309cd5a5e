"""What the domain asks of the key store, and the errors the store promises to raise.

``keysmith.store.keys.KeyStore`` implements ``KeyStore`` against DynamoDB; tests implement it with
fakes. The domain says *what* (a change guarded by who may see the key and by the status machine,
a listing with its filters); the store says *how* (items, expressions, cursors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from keysmith.domain.api_key import KeyRecord
from keysmith.domain.principals import Principal
from keysmith.domain.status_machine import Action

if TYPE_CHECKING:
    from keysmith.domain.audit import AuditEvent
    from keysmith.domain.idempotency import IdempotencyRecord


class StoreUnavailable(Exception):
    """The store throttled, failed or could not be reached; the caller may retry (503)."""


class ConditionFailed(Exception):
    """A conditional write did not apply. ``item`` is the key as it was (None when absent)."""

    def __init__(self, item: KeyRecord | None) -> None:
        super().__init__("condition failed")
        self.item = item


class TransactionCancelled(Exception):
    """A transaction did not apply; ``reasons`` has one entry per action, in order: the reason
    code and the entity as it was (a ``KeyRecord``, an ``IdempotencyRecord``, or None)."""

    def __init__(self, reasons: list[tuple[str, Any]]) -> None:
        super().__init__("transaction cancelled")
        self.reasons = reasons


class BadCursor(ValueError):
    """A list cursor that this service did not issue for this listing."""


@dataclass(frozen=True, slots=True)
class Page:
    records: list[KeyRecord]
    cursor: str | None


@dataclass(frozen=True, slots=True)
class Change:
    """One conditional write on a key: it applies only when ``principal`` may see the key and the
    key's status allows ``action`` at ``now`` (and, when given, its version is still
    ``read_version``, it was created no earlier than ``created_not_before``, and, rule 7, the new
    ``expires_at`` does not lengthen the stored one: on every key when ``expiry_only_shrinks`` is
    "any", on a rotated key when it is "rotated"; removing ``expires_at`` counts as lengthening).

    ``sets`` holds plain values (text, numbers, tuples of text, maps of text); the store encodes them.
    """

    principal: Principal
    action: Action
    now: float
    sets: Mapping[str, Any]
    remove: tuple[str, ...] = ()
    read_version: int | None = None
    created_not_before: float | None = None
    expiry_only_shrinks: Literal["any", "rotated"] | None = None
    # The key must still start before it ends: a new ``not_before`` before the stored ``expires_at``,
    # or a new ``expires_at`` after the stored ``not_before`` (whichever of the two ``sets`` holds).
    starts_before_expiry: bool = False
    # Rule 7 for credits (an API-key caller): the credits it was judged on must still be the ones
    # left, so that nothing spent between the read and the write is given back. The lifecycle
    # fills ``credits_read`` with the current period's counter as read: (name, count or None).
    holds_credits: bool = False
    credits_read: tuple[str, int | None] | None = None
    # Audited changes: the events written in the same transaction as the change, and the key as
    # it is after it (what the store answers; a transaction returns no item).
    audit: tuple[AuditEvent, ...] = ()
    expected: KeyRecord | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """One listing, newest first: an index partition (a tenant, or an owner inside a tenant) and the
    filters applied to it. ``binding`` ties a cursor to exactly these filters."""

    index: Literal["tenant", "owner"]
    partition: str
    now: float
    binding: str
    status: str | None = None
    environment_id: str | None = None
    owner_type: str | None = None
    owner_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditListing:
    """The audit events of one tenant, newest first, filtered: by the owner whose keys' events a
    non-admin may see (``owner_key``), an environment, a key and an action. ``binding`` ties a
    cursor to exactly these filters."""

    tenant_id: str
    binding: str
    owner_key: str | None = None
    environment_id: str | None = None
    key_id: str | None = None
    action: str | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    events: list[AuditEvent]
    cursor: str | None


class AuditLog(Protocol):
    def audit_page(self, listing: AuditListing, limit: int, cursor: str | None) -> AuditPage:
        """Raises ``BadCursor`` for a cursor not issued for this listing."""
        ...

    def put_event(self, event: AuditEvent) -> bool:
        """Store an event unless one with its id exists; False when it did."""
        ...


class KeyReader(Protocol):
    """What verification needs: one read, and the throttled last-used write."""

    def get(self, key_id: str) -> KeyRecord | None: ...

    def touch_last_used(
        self, key_id: str, *, at: float, not_after: float, ip: str | None, user_agent: str | None
    ) -> bool: ...


@dataclass(frozen=True, slots=True)
class Use:
    """One valid verification of a key with a rate limit or credits, to be counted and spent in one
    conditional write: on condition that the key is still ``record`` as read (its ``version``), that
    its current window has room and that it has ``max(cost, 1)`` credits left. Last-used rides along.
    """

    record: KeyRecord
    now: float
    cost: int
    ip: str | None
    user_agent: str | None


@dataclass(frozen=True, slots=True)
class UseOutcome:
    """``applied`` with the key as it is after the write, or not applied with the key as it was
    (None when it is gone)."""

    applied: bool
    record: KeyRecord | None


class MeteredReader(KeyReader, Protocol):
    """What verification needs for keys with usage limits: the one conditional write."""

    def use(self, use: Use) -> UseOutcome: ...


class KeyStore(MeteredReader, Protocol):
    def put_new(self, record: KeyRecord, audit: tuple[AuditEvent, ...]) -> None:
        """Store a new key (and its events, in one transaction); never overwrites."""
        ...

    def change(self, key_id: str, change: Change) -> KeyRecord:
        """Raises ``ConditionFailed`` with the key as it was."""
        ...

    def delete(self, key_id: str, change: Change) -> None:
        """Raises ``ConditionFailed`` with the key as it was."""
        ...

    def rotate(self, successor: KeyRecord, key_id: str, change: Change) -> None:
        """Put the successor and change the old key, both or neither; ``TransactionCancelled``."""
        ...

    def page(self, listing: Listing, limit: int, cursor: str | None) -> Page:
        """Raises ``BadCursor`` for a cursor not issued for this listing."""
        ...

    def idempotency_record(self, item_id: str) -> IdempotencyRecord | None: ...

    def put_once(self, record: IdempotencyRecord, key: KeyRecord, audit: tuple[AuditEvent, ...]) -> None:
        """Put the idempotency record (unless a live one exists) and the key, both or neither;
        ``TransactionCancelled`` whose first reason carries the live record."""
        ...
