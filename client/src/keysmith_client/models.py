"""Typed results: the API's JSON answers as dataclasses.

Each result keeps the answer it was read from in ``raw`` (fields added to the API later are there
before this client knows them); timestamps are timezone-aware ``datetime`` objects in UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Self, TypeVar

from .restrictions import Credits, RateLimit, RateLimitState
from .times import parse_time


@dataclass(frozen=True)
class Principal:
    """An owner, a creator or an audit event's actor: ``type`` is ``user``, ``service_account``,
    ``api_key``, ``iam`` or (audit events) ``system``."""

    type: str
    id: str

    @classmethod
    def from_json(cls, data: Any) -> Principal | None:
        if not isinstance(data, dict):
            return None
        return cls(type=str(data.get("type", "")), id=str(data.get("id", "")))

    def __str__(self) -> str:
        return f"{self.type}:{self.id}"


@dataclass(frozen=True)
class ApiKey:
    """A key's metadata (never its secret)."""

    id: str
    name: str
    status: str
    prefix: str
    last_four: str
    scopes: list[str]
    tenant_id: str
    owner: Principal | None
    available_actions: dict[str, bool]
    description: str | None = None
    environment_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    created_by: Principal | None = None
    updated_at: datetime | None = None
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    last_used_ip: str | None = None
    last_used_user_agent: str | None = None
    suspended_at: datetime | None = None
    revoked_at: datetime | None = None
    rotated_from: str | None = None
    rotated_to: str | None = None
    format: str = "opaque"
    allowed_ips: list[str] = field(default_factory=list)
    not_before: datetime | None = None
    rate_limit: RateLimit | None = None
    credits: Credits | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApiKey:
        return cls(**_key_fields(data))

    def can(self, action: str) -> bool:
        """Whether the key's status allows ``action`` (suspend, activate, revoke, rotate, delete) now."""
        return bool(self.available_actions.get(action, False))


@dataclass(frozen=True)
class CreatedApiKey(ApiKey):
    """A key as the create or rotate answer gives it: with its plaintext ``key``, shown this once.

    ``key`` is None only when the create was an idempotent replay (``replayed``): the secret was
    given to the first request and is never sent again.
    """

    key: str | None = field(default=None, repr=False)
    replayed: bool = False

    @classmethod
    def from_answer(cls, data: dict[str, Any], *, replayed: bool) -> CreatedApiKey:
        secret = data.get("key")
        metadata = {name: value for name, value in data.items() if name != "key"}
        return cls(
            **_key_fields(metadata), key=secret if isinstance(secret, str) else None, replayed=replayed
        )


Item = TypeVar("Item")


@dataclass(frozen=True)
class Page(Generic[Item]):
    """What every listing answers: ``items`` and the ``next_cursor`` of the next page (None at the end)."""

    items: list[Item]
    next_cursor: str | None

    @classmethod
    def read(cls, data: dict[str, Any], read_item: Callable[[dict[str, Any]], Item]) -> Self:
        items = [read_item(item) for item in data.get("items", []) if isinstance(item, dict)]
        cursor = data.get("next_cursor")
        return cls(items=items, next_cursor=cursor if isinstance(cursor, str) and cursor else None)


def every_item(fetch: Callable[[str | None], Page[Item]]) -> Iterator[Item]:
    """The items of page after page, each asked for with the previous page's ``next_cursor``."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


class KeyPage(Page[ApiKey]):
    """One page of ``GET /v1/api-keys``, newest first."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeyPage:
        return cls.read(data, ApiKey.from_json)


@dataclass(frozen=True)
class VerifiedKey:
    """What a valid verification tells about the key."""

    id: str
    tenant_id: str
    owner: Principal | None
    scopes: list[str]
    environment_id: str | None
    expires_at: datetime | None
    metadata: dict[str, str]


@dataclass(frozen=True)
class VerifyResult:
    """``POST /v1/verify``: ``valid`` and ``code`` (``VALID``, ``NOT_FOUND``, ``REVOKED``,
    ``NOT_YET_VALID``, ``IP_NOT_ALLOWED``, ``RATE_LIMITED``, ``USAGE_EXCEEDED``, ...).

    ``remaining`` (credits left) and ``rate_limit`` are there when the key has them;
    ``retry_after_seconds`` comes with ``RATE_LIMITED``.
    """

    valid: bool
    code: str
    key: VerifiedKey | None
    remaining: int | None = None
    rate_limit: RateLimitState | None = None
    retry_after_seconds: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VerifyResult:
        key_data = data.get("key")
        key = None
        if isinstance(key_data, dict):
            key = VerifiedKey(
                id=str(key_data.get("id", "")),
                tenant_id=str(key_data.get("tenant_id", "")),
                owner=Principal.from_json(key_data.get("owner")),
                scopes=list(key_data.get("scopes") or []),
                environment_id=key_data.get("environment_id"),
                expires_at=parse_time(key_data.get("expires_at")),
                metadata=dict(key_data.get("metadata") or {}),
            )
        return cls(
            valid=bool(data.get("valid")),
            code=str(data.get("code", "")),
            key=key,
            remaining=_optional_int(data.get("remaining")),
            rate_limit=RateLimitState.from_json(data.get("rate_limit")),
            retry_after_seconds=_optional_int(data.get("retry_after_seconds")),
            raw=data,
        )


@dataclass(frozen=True)
class Whoami:
    """``GET /v1/whoami``: the API key that made the call."""

    key_id: str
    tenant_id: str
    owner: Principal | None
    scopes: list[str]
    environment_id: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Whoami:
        return cls(
            key_id=str(data.get("key_id", "")),
            tenant_id=str(data.get("tenant_id", "")),
            owner=Principal.from_json(data.get("owner")),
            scopes=list(data.get("scopes") or []),
            environment_id=data.get("environment_id"),
            raw=data,
        )


@dataclass(frozen=True)
class LocalSession:
    """A development session from the local server's ``POST /_local/sessions``."""

    token: str = field(repr=False)
    expires_at: datetime | None


TIME_FIELDS = (
    "created_at",
    "updated_at",
    "expires_at",
    "last_used_at",
    "suspended_at",
    "revoked_at",
    "not_before",
)


def _optional_int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _key_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": str(data.get("id", "")),
        "name": str(data.get("name", "")),
        "status": str(data.get("status", "")),
        "prefix": str(data.get("prefix", "")),
        "last_four": str(data.get("last_four", "")),
        "scopes": list(data.get("scopes") or []),
        "tenant_id": str(data.get("tenant_id", "")),
        "owner": Principal.from_json(data.get("owner")),
        "available_actions": {
            str(name): bool(allowed) for name, allowed in (data.get("available_actions") or {}).items()
        },
        "description": data.get("description"),
        "environment_id": data.get("environment_id"),
        "metadata": dict(data.get("metadata") or {}),
        "created_by": Principal.from_json(data.get("created_by")),
        "last_used_ip": data.get("last_used_ip"),
        "last_used_user_agent": data.get("last_used_user_agent"),
        "rotated_from": data.get("rotated_from"),
        "rotated_to": data.get("rotated_to"),
        "format": str(data.get("format") or "opaque"),
        "allowed_ips": [str(cidr) for cidr in data.get("allowed_ips") or []],
        "rate_limit": RateLimit.from_json(data.get("rate_limit")),
        "credits": Credits.from_json(data.get("credits")),
        "raw": data,
    }
    for name in TIME_FIELDS:
        fields[name] = parse_time(data.get(name))
    return fields
