"""The audit trail: ``GET /v1/audit-events`` answers as dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .models import Page, Principal
from .times import parse_time


@dataclass(frozen=True)
class FieldChange:
    """One field an audited change touched: the answer's ``from`` (``before``) and ``to`` (``after``);
    None is absent or empty."""

    before: Any
    after: Any


@dataclass(frozen=True)
class AuditEvent:
    """One change that happened to a key (``GET /v1/audit-events``); never holds a secret or a digest.

    ``action`` is ``create``, ``update``, ``suspend``, ``activate``, ``revoke``, ``rotate``, ``delete``
    or ``expire`` (removed by the store's TTL; its ``actor`` is ``system``); ``actor`` is who did it.
    """

    id: str
    occurred_at: datetime | None
    action: str
    key_id: str
    tenant_id: str
    actor: Principal | None
    source_ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    changes: dict[str, FieldChange] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditEvent:
        given = data.get("changes")
        changes = {
            str(name): FieldChange(before=change.get("from"), after=change.get("to"))
            for name, change in (given.items() if isinstance(given, dict) else ())
            if isinstance(change, dict)
        }
        return cls(
            id=str(data.get("id", "")),
            occurred_at=parse_time(data.get("occurred_at")),
            action=str(data.get("action", "")),
            key_id=str(data.get("key_id", "")),
            tenant_id=str(data.get("tenant_id", "")),
            actor=Principal.from_json(data.get("actor")),
            source_ip=data.get("source_ip"),
            user_agent=data.get("user_agent"),
            request_id=data.get("request_id"),
            changes=changes,
            raw=data,
        )


class AuditPage(Page[AuditEvent]):
    """One page of ``GET /v1/audit-events``, newest first."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditPage:
        return cls.read(data, AuditEvent.from_json)
