"""Items <-> entities: the DynamoDB attribute values of a ``KeyRecord`` and an ``IdempotencyRecord``,
and of the plain values a ``ports.Change`` sets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keysmith.domain.api_key import KeyRecord
from keysmith.domain.idempotency import IdempotencyRecord
from keysmith.domain.restrictions import COUNTER_PREFIXES, Credits, Limits, RateLimit, plain_values

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
    "format",
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
    item.update(limits_to_item(record.limits))
    return item


def limits_to_item(limits: Limits) -> dict[str, Any]:
    """The attributes of a key's restrictions, limits and counters (absent when unset)."""
    item = {name: value(plain) for name, plain in plain_values(limits).items() if plain is not None}
    for name, count in (limits.counters or {}).items():
        item[name] = {"N": str(count)}
    return item


def limits_from_item(item: dict[str, Any]) -> Limits:
    rate = item.get("rate_limit", {}).get("M")
    credits = item.get("credits", {}).get("M")
    not_before = item.get("not_before")
    return Limits(
        allowed_ips=tuple(v["S"] for v in item.get("allowed_ips", {"L": []})["L"]),
        not_before=float(not_before["N"]) if not_before is not None else None,
        rate_limit=RateLimit(int(rate["limit"]["N"]), int(rate["window_seconds"]["N"])) if rate else None,
        credits=Credits(
            int(credits["refill_amount"]["N"]) if "refill_amount" in credits else None,
            credits["refill_interval"]["S"] if "refill_interval" in credits else None,
        )
        if credits is not None
        else None,
        counters={name: int(value["N"]) for name, value in item.items() if name.startswith(COUNTER_PREFIXES)},
    )


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
        format=text("format") or "opaque",
        limits=limits_from_item(item),
    )


def value(plain: Any) -> dict[str, Any]:
    """The attribute value of a plain value: text, a number, a tuple/list of text, a map of these."""
    if isinstance(plain, str):
        return {"S": plain}
    if isinstance(plain, bool):
        raise TypeError("booleans are not stored")
    if isinstance(plain, int | float):
        return number(plain)
    if isinstance(plain, tuple | list):
        return {"L": [{"S": s} for s in plain]}
    if isinstance(plain, Mapping):
        return {"M": {k: value(v) for k, v in plain.items()}}
    raise TypeError(f"no attribute value for {type(plain).__name__}")


def values(plain: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: value(v) for name, v in plain.items()}


def is_key_item(item: Mapping[str, Any] | None) -> bool:
    """Keys carry ``key_hash``; idempotency records, in the same table, do not."""
    return bool(item) and "key_hash" in item  # type: ignore[operator]


def idempotency_to_item(record: IdempotencyRecord) -> dict[str, Any]:
    return {
        "id": {"S": record.id},
        "fingerprint": {"S": record.fingerprint},
        "key_id": {"S": record.key_id},
        "created_at": {"N": str(record.created_at)},
        "ttl": {"N": str(record.ttl)},
    }


def idempotency_from_item(item: Mapping[str, Any]) -> IdempotencyRecord | None:
    try:
        return IdempotencyRecord(
            id=item["id"]["S"],
            fingerprint=item["fingerprint"]["S"],
            key_id=item["key_id"]["S"],
            created_at=int(item["created_at"]["N"]),
            ttl=int(item["ttl"]["N"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
