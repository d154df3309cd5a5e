"""The audit trail: one ``AuditEvent`` per change that happened to a key, and none for one that did
not.

An event says who (the actor), what (the action, and ``changes``: field -> ``{"from", "to"}``),
when, and from where (source IP, user agent, request id). ``changes`` is computed from the key as
it was and as it is after the change, over every field of ``KeyRecord`` except those in
``NOT_AUDITED`` (secrets, digests, bookkeeping, last-used): a field added to the key is audited
without more code here.

How exactly one: the store writes the event in the same DynamoDB transaction as the change
(``keysmith.store.keys``), so a change is never without its event and a refused or failed change
leaves none. A key removed by DynamoDB's TTL is noticed on the table's stream and gets a
``system`` event whose id is derived from the key id, so a redelivered stream record cannot
double it.

The request's origin (source IP, user agent, request id) is set once per request by the entry
(``keysmith.http.resolver_entry``) with ``request_origin``; the domain reads it when it builds an
event, so no service signature carries it.
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from keysmith.clock import rfc3339
from keysmith.domain import restrictions
from keysmith.domain.api_key import KeyRecord
from keysmith.domain.principals import API_KEY, IAM, SERVICE_ACCOUNT, USER, Principal

CREATE, UPDATE, SUSPEND, ACTIVATE, REVOKE, ROTATE, DELETE, EXPIRE = (
    "create",
    "update",
    "suspend",
    "activate",
    "revoke",
    "rotate",
    "delete",
    "expire",
)
ACTIONS = (CREATE, UPDATE, SUSPEND, ACTIVATE, REVOKE, ROTATE, DELETE, EXPIRE)
SYSTEM = "system"
ACTOR_TYPES = (USER, SERVICE_ACCOUNT, API_KEY, IAM, SYSTEM)
# The actor of what DynamoDB's TTL does: the service itself.
TTL_ACTOR_ID = "dynamodb-ttl"

# Fields of ``KeyRecord`` never in ``changes``: secrets and digests (never shown anywhere), the
# store's bookkeeping (version, sort keys, TTL, the time of the change itself) and last-used data
# (a use is not a change). Any field whose name holds one of ``_SECRET_WORDS`` is left out too, so
# a secret added under such a name can never be audited by mistake.
NOT_AUDITED = frozenset(
    {
        "key_hash",
        "version",
        "created_sk",
        "ttl",
        "updated_at",
        "last_used_at",
        "last_used_ip",
        "last_used_user_agent",
    }
)
_SECRET_WORDS = ("hash", "digest", "secret", "plaintext", "private", "signature")
# Fields that hold a time (epoch seconds in the entity), shown as RFC 3339 like the key's own JSON.
_TIME_SUFFIX = "_at"
_TIME_FIELDS = frozenset({"not_before", "not_after"})

DAY = 86_400
# A v5 namespace for ids derived from what happened (a TTL removal), never from a secret.
_EVENT_NAMESPACE = uuid.UUID("6d1c2a5e-3f0b-5b7e-9a51-4b6f0c7e2d10")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a request came from, as the gateway saw it."""

    source_ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


_NOWHERE = Origin()  # outside a request (the stream function): no origin
_origin: ContextVar[Origin | None] = ContextVar("keysmith_request_origin", default=None)


@contextmanager
def request_origin(origin: Origin) -> Iterator[None]:
    """``origin`` is the current request's for the duration of the block."""
    token = _origin.set(origin)
    try:
        yield
    finally:
        _origin.reset(token)


def current_origin() -> Origin:
    return _origin.get() or _NOWHERE


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One change to one key. ``owner_type``, ``owner_id`` and ``environment_id`` are the key's at
    the time (who may see the event); they are not part of the event's JSON."""

    id: str
    occurred_at: float
    action: str
    key_id: str
    tenant_id: str
    actor_type: str
    actor_id: str
    owner_type: str
    owner_id: str
    environment_id: str | None = None
    source_ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    changes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """The event as the API and EventBridge show it."""
        return {
            "id": self.id,
            "occurred_at": rfc3339(self.occurred_at),
            "action": self.action,
            "key_id": self.key_id,
            "tenant_id": self.tenant_id,
            "actor": {"type": self.actor_type, "id": self.actor_id},
            "source_ip": self.source_ip,
            "user_agent": self.user_agent,
            "request_id": self.request_id,
            "changes": {name: dict(change) for name, change in self.changes.items()},
        }


def audited(name: str) -> bool:
    lowered = name.lower()
    return name not in NOT_AUDITED and not any(word in lowered for word in _SECRET_WORDS)


def _shown(name: str, value: Any) -> Any:
    """A field's value as an event shows it: times as RFC 3339 text, tuples as lists."""
    if value is None:
        return None
    is_time = name.endswith(_TIME_SUFFIX) or name in _TIME_FIELDS
    if is_time and isinstance(value, int | float) and not isinstance(value, bool):
        return rfc3339(value)
    if isinstance(value, tuple | list):
        return [_shown("", v) for v in value]
    if isinstance(value, Mapping):
        return {k: _shown("", v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _shown("", dataclasses.asdict(value))
    return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == () or value == {} or value == []


def _fields(record: KeyRecord | None, now: float) -> dict[str, Any]:
    """The entity's own fields (``dataclasses.fields``), so a field added to it is audited; its
    restrictions and limits (``limits``) as the four fields the API shows."""
    if record is None:
        return {}
    values = {f.name: getattr(record, f.name) for f in dataclasses.fields(record) if f.name != "limits"}
    for name, value in restrictions.shown(record.limits, now).items():
        values.setdefault(name, value)
    return values


def changes(before: KeyRecord | None, after: KeyRecord | None, now: float = 0.0) -> dict[str, dict[str, Any]]:
    """field -> {"from", "to"} for every audited field of the key that differs (None: absent)."""
    result: dict[str, dict[str, Any]] = {}
    old_fields, new_fields = _fields(before, now), _fields(after, now)
    for name in [*old_fields, *(n for n in new_fields if n not in old_fields)]:
        if not audited(name):
            continue
        old, new = old_fields.get(name), new_fields.get(name)
        old = None if _empty(old) else old
        new = None if _empty(new) else new
        if old != new:
            result[name] = {"from": _shown(name, old), "to": _shown(name, new)}
    return result


def applied(before: KeyRecord, sets: Mapping[str, Any], remove: tuple[str, ...]) -> KeyRecord:
    """The key after a write that sets ``sets`` and removes ``remove`` (the store bumps version)."""
    names = {f.name for f in dataclasses.fields(before)}
    updates: dict[str, Any] = {name: value for name, value in sets.items() if name in names}
    for name in remove:
        if name in names and name not in updates:
            updates[name] = {} if name == "metadata" else None
    limits = restrictions.applied(before.limits, sets, remove)
    if limits is not before.limits:
        updates["limits"] = limits
    updates["version"] = before.version + 1
    return before.with_changes(**updates)


def actor_of(principal: Principal) -> tuple[str, str]:
    """Who acted: the user or service account of a session, the API key that made the call, or a
    trusted backend's IAM ARN (as ``created_by`` records a creator)."""
    return principal.creator


def _event(
    event_id: str,
    action: str,
    key: KeyRecord,
    actor: tuple[str, str],
    now: float,
    origin: Origin,
    changed: dict[str, dict[str, Any]],
) -> AuditEvent:
    return AuditEvent(
        id=event_id,
        occurred_at=now,
        action=action,
        key_id=key.id,
        tenant_id=key.tenant_id,
        actor_type=actor[0],
        actor_id=actor[1],
        owner_type=key.owner_type,
        owner_id=key.owner_id,
        environment_id=key.environment_id,
        source_ip=origin.source_ip,
        user_agent=origin.user_agent,
        request_id=origin.request_id,
        changes=changed,
    )


def event_for(
    action: str,
    principal: Principal,
    before: KeyRecord | None,
    after: KeyRecord | None,
    now: float,
) -> AuditEvent:
    """The event of a change made by ``principal`` in the current request (``current_origin``).
    Its id is fresh for each call: the store tells a write of its own that landed from a refusal
    by finding this id already stored."""
    key = after if after is not None else before
    assert key is not None
    changed = changes(before, after, now)
    return _event(str(uuid.uuid4()), action, key, actor_of(principal), now, current_origin(), changed)


def created(principal: Principal, record: KeyRecord) -> AuditEvent:
    """The ``create`` event of a new key (every audited field from nothing to its value)."""
    return event_for(CREATE, principal, None, record, record.created_at)


def removal_event(removed: KeyRecord, noticed_at: float) -> AuditEvent:
    """The ``system`` event of a key DynamoDB's TTL removed. Its id is derived from the key id
    alone (a key is removed once), so writing it again is a no-op."""
    event_id = str(uuid.uuid5(_EVENT_NAMESPACE, f"{EXPIRE}:{removed.id}"))
    actor = (SYSTEM, TTL_ACTOR_ID)
    return _event(event_id, EXPIRE, removed, actor, noticed_at, _NOWHERE, changes(removed, None, noticed_at))


def expires_at(event: AuditEvent, retention_days: int) -> int:
    """When the store may remove the event: ``retention_days`` after it happened."""
    return math.floor(event.occurred_at) + retention_days * DAY
