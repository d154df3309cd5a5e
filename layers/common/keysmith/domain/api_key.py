"""The ApiKey entity: ``KeyRecord``, a key as the service keeps it (never its plaintext).

Its item form is ``keysmith.store.items``; its JSON form is ``keysmith.http.views``. The status
``expired`` is never stored: see ``status_machine``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from keysmith.domain import status_machine
from keysmith.domain.restrictions import Limits
from keysmith.domain.status_machine import ACTIVE, EXPIRED, REVOKED, SUSPENDED

__all__ = ["ACTIVE", "EXPIRED", "REVOKED", "SUSPENDED", "KeyRecord", "owner_key"]


def owner_key(tenant_id: str, owner_type: str, owner_id: str) -> str:
    """The by_owner index's partition key: an owner is only ever an owner inside one tenant."""
    return f"{tenant_id}#{owner_type}#{owner_id}"


@dataclass(frozen=True, slots=True)
class KeyRecord:
    id: str
    key_hash: str
    tenant_id: str
    owner_type: str
    owner_id: str
    name: str
    prefix: str
    last_four: str
    scopes: tuple[str, ...]
    status: str  # stored status: active, suspended or revoked
    created_at: float
    created_by_type: str
    created_by_id: str
    updated_at: float
    version: int = 1
    description: str | None = None
    environment_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    expires_at: float | None = None
    suspended_at: float | None = None
    revoked_at: float | None = None
    last_used_at: float | None = None
    last_used_ip: str | None = None
    last_used_user_agent: str | None = None
    rotated_from: str | None = None
    rotated_to: str | None = None
    created_sk: str = ""
    ttl: int | None = None
    format: str = "opaque"  # or "jwt"; keys stored before JWT keys existed have none: opaque
    limits: Limits = field(default_factory=Limits)  # restrictions and usage limits

    @property
    def owner_key(self) -> str:
        return owner_key(self.tenant_id, self.owner_type, self.owner_id)

    def effective_status(self, now: float) -> str:
        return status_machine.effective_status(self.status, self.expires_at, now)

    def available_actions(self, now: float) -> dict[str, bool]:
        return status_machine.available_actions(self.effective_status(now), self.rotated_to is not None)

    def allows(self, action: status_machine.Action, now: float) -> bool:
        return action.allows(self.effective_status(now), self.rotated_to is not None)

    def with_changes(self, **changes: Any) -> KeyRecord:
        return replace(self, **changes)
