"""The stored key record: DynamoDB item <-> ``KeyRecord`` <-> the API's ApiKey representation.

Standard library only (the verification hot path reads records too). The status ``expired`` is
never stored: it is derived from ``expires_at`` and the clock on every read, because DynamoDB's TTL
deletes items lazily and nothing may read as valid just because TTL has not yet run.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from keysmith.clock import rfc3339

ACTIVE, SUSPENDED, REVOKED, EXPIRED = "active", "suspended", "revoked", "expired"
ACTIONS = ("suspend", "activate", "revoke", "rotate", "delete")


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

    @property
    def owner_key(self) -> str:
        return owner_key(self.tenant_id, self.owner_type, self.owner_id)

    def effective_status(self, now: float) -> str:
        if self.status == REVOKED:
            return REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return EXPIRED
        return self.status

    def available_actions(self, now: float) -> dict[str, bool]:
        status = self.effective_status(now)
        return {
            "suspend": status == ACTIVE,
            "activate": status == SUSPENDED,
            "revoke": status in (ACTIVE, SUSPENDED),
            "rotate": status == ACTIVE and self.rotated_to is None,
            "delete": status in (SUSPENDED, REVOKED, EXPIRED),
        }

    def with_changes(self, **changes: Any) -> KeyRecord:
        return replace(self, **changes)


# --- DynamoDB attribute values -------------------------------------------------------------------

_NUMBER_FIELDS = ("created_at", "updated_at", "expires_at", "suspended_at", "revoked_at", "last_used_at")
_TEXT_FIELDS = (
    "id",
    "key_hash",
    "tenant_id",
    "owner_type",
    "owner_id",
    "name",
    "prefix",
    "last_four",
    "status",
    "created_by_type",
    "created_by_id",
    "description",
    "environment_id",
    "last_used_ip",
    "last_used_user_agent",
    "rotated_from",
    "rotated_to",
    "created_sk",
)


def number(value: float) -> dict[str, str]:
    return {"N": repr(round(value, 6)) if isinstance(value, float) else str(value)}


def to_item(record: KeyRecord) -> dict[str, Any]:
    """The full DynamoDB item for ``record`` (absent optional fields are left out)."""
    item: dict[str, Any] = {
        "owner_key": {"S": record.owner_key},
        "scopes": {"L": [{"S": s} for s in record.scopes]},
        "metadata": {"M": {k: {"S": v} for k, v in record.metadata.items()}},
        "version": {"N": str(record.version)},
    }
    for name in _TEXT_FIELDS:
        value = getattr(record, name)
        if value is not None and value != "":
            item[name] = {"S": value}
    for name in _NUMBER_FIELDS:
        value = getattr(record, name)
        if value is not None:
            item[name] = number(value)
    if record.ttl is not None:
        item["ttl"] = {"N": str(record.ttl)}
    return item


def from_item(item: dict[str, Any]) -> KeyRecord:
    def text(name: str) -> str | None:
        value = item.get(name)
        return value["S"] if value is not None else None

    def num(name: str) -> float | None:
        value = item.get(name)
        return float(value["N"]) if value is not None else None

    ttl = item.get("ttl")
    return KeyRecord(
        id=item["id"]["S"],
        key_hash=item["key_hash"]["S"],
        tenant_id=item["tenant_id"]["S"],
        owner_type=item["owner_type"]["S"],
        owner_id=item["owner_id"]["S"],
        name=item["name"]["S"],
        prefix=item["prefix"]["S"],
        last_four=item["last_four"]["S"],
        scopes=tuple(v["S"] for v in item.get("scopes", {"L": []})["L"]),
        status=item["status"]["S"],
        created_at=float(item["created_at"]["N"]),
        created_by_type=item["created_by_type"]["S"],
        created_by_id=item["created_by_id"]["S"],
        updated_at=float(item["updated_at"]["N"]),
        version=int(item["version"]["N"]),
        description=text("description"),
        environment_id=text("environment_id"),
        metadata={k: v["S"] for k, v in item.get("metadata", {"M": {}})["M"].items()},
        expires_at=num("expires_at"),
        suspended_at=num("suspended_at"),
        revoked_at=num("revoked_at"),
        last_used_at=num("last_used_at"),
        last_used_ip=text("last_used_ip"),
        last_used_user_agent=text("last_used_user_agent"),
        rotated_from=text("rotated_from"),
        rotated_to=text("rotated_to"),
        created_sk=text("created_sk") or "",
        ttl=int(ttl["N"]) if ttl is not None else None,
    )


# --- the API representation ----------------------------------------------------------------------


def _time(value: float | None) -> str | None:
    return None if value is None else rfc3339(value)


def to_api(record: KeyRecord, now: float) -> dict[str, Any]:
    """The ApiKey resource of API.md (never the hash, never the plaintext)."""
    return {
        "id": record.id,
        "type": "api_key",
        "name": record.name,
        "description": record.description,
        "prefix": record.prefix,
        "last_four": record.last_four,
        "scopes": list(record.scopes),
        "tenant_id": record.tenant_id,
        "owner": {"type": record.owner_type, "id": record.owner_id},
        "environment_id": record.environment_id,
        "metadata": dict(record.metadata),
        "status": record.effective_status(now),
        "available_actions": record.available_actions(now),
        "created_at": rfc3339(record.created_at),
        "created_by": {"type": record.created_by_type, "id": record.created_by_id},
        "updated_at": rfc3339(record.updated_at),
        "expires_at": _time(record.expires_at),
        "last_used_at": _time(record.last_used_at),
        "last_used_ip": record.last_used_ip,
        "last_used_user_agent": record.last_used_user_agent,
        "suspended_at": _time(record.suspended_at),
        "revoked_at": _time(record.revoked_at),
        "rotated_from": record.rotated_from,
        "rotated_to": record.rotated_to,
    }
