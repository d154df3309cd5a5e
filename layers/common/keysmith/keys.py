"""The domain: create, get and list keys (the lifecycle lives in ``keysmith.lifecycle``).

No boto3 and no HTTP here: the store does I/O, the handlers shape answers, this module decides.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from keysmith import clock, policy, tokens
from keysmith.principals import Principal
from keysmith.problems import Problem, not_found
from keysmith.records import ACTIVE, EXPIRED, REVOKED, SUSPENDED, KeyRecord, owner_key
from keysmith.runtime import Runtime
from keysmith.settings import Settings
from keysmith.store import OWNER_INDEX, TENANT_INDEX, BadCursor, Page

DAY = 86_400
# Without a deploy maximum, a key may still not be set to expire more than 100 years out.
LONGEST_LIFETIME_SECONDS = 100 * 365 * DAY
KEY_ID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def invalid(pointer: str, detail: str) -> Problem:
    return Problem("validation-error", detail, errors=[{"pointer": pointer, "detail": detail}])


@dataclass(frozen=True)
class NewKey:
    """What a client asked for, already checked for shape (models.CreateKeyRequest)."""

    name: str
    description: str | None = None
    scopes: Sequence[str] | None = None
    expires_at: float | None = None
    expires_in_seconds: int | None = None
    service_account_id: str | None = None
    environment_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListFilter:
    status: str | None = None
    owner_type: str | None = None
    owner_id: str | None = None
    environment_id: str | None = None


def lifetime_limit(runtime: Runtime) -> int:
    days = runtime.settings.max_key_lifetime_days
    return days * DAY if days > 0 else LONGEST_LIFETIME_SECONDS


def resolve_expiry(
    runtime: Runtime, now: float, expires_at: float | None, expires_in_seconds: int | None
) -> float | None:
    """The expiry of a new key: asked for, or the deploy's maximum lifetime, never beyond it."""
    limit = lifetime_limit(runtime)
    if expires_at is not None and expires_in_seconds is not None:
        raise invalid("/expires_in_seconds", "Give expires_at or expires_in_seconds, not both.")
    if expires_in_seconds is not None:
        if not 1 <= expires_in_seconds <= limit:
            raise invalid("/expires_in_seconds", f"Must be between 1 and {limit} seconds.")
        return float(math.floor(now) + expires_in_seconds)
    if expires_at is not None:
        if expires_at <= now:
            raise invalid("/expires_at", "Must be in the future.")
        if expires_at > now + limit:
            raise invalid("/expires_at", f"Must be at most {limit} seconds from now.")
        return float(math.floor(expires_at))
    if runtime.settings.max_key_lifetime_days > 0:
        return float(math.floor(now) + limit)
    return None


def ttl_for(expires_at: float | None, revoked_at: float | None, retention_days: int) -> int | None:
    """When DynamoDB may remove the item: the end of its life plus the retention window."""
    ends = [t for t in (expires_at, revoked_at) if t is not None]
    return int(min(ends)) + retention_days * DAY if ends else None


def mint(
    settings: Settings,
    creator: Principal,
    now: float,
    *,
    tenant_id: str,
    owner_type: str,
    owner_id: str,
    name: str,
    description: str | None,
    scopes: tuple[str, ...],
    environment_id: str | None,
    metadata: dict[str, str],
    expires_at: float | None,
    rotated_from: str | None = None,
) -> tuple[KeyRecord, str]:
    """A new key and its record, for create and for rotation: the one place a plaintext is made."""
    plaintext = tokens.generate(settings.token_prefix)
    key_digest = tokens.digest(plaintext)
    key_id = tokens.key_id(key_digest)
    creator_type, creator_id = creator.creator
    record = KeyRecord(
        id=key_id,
        key_hash=key_digest.hex(),
        tenant_id=tenant_id,
        owner_type=owner_type,
        owner_id=owner_id,
        name=name,
        description=description,
        prefix=tokens.display_prefix(plaintext, settings.token_prefix),
        last_four=tokens.last_four(plaintext),
        scopes=scopes,
        status=ACTIVE,
        created_at=now,
        created_by_type=creator_type,
        created_by_id=creator_id,
        updated_at=now,
        environment_id=environment_id,
        metadata=metadata,
        expires_at=expires_at,
        rotated_from=rotated_from,
        created_sk=f"{clock.sort_stamp(now)}#{key_id}",
        ttl=ttl_for(expires_at, None, settings.retention_days),
    )
    return record, plaintext


class KeyService:
    def __init__(self, runtime: Runtime, now: Callable[[], float] | None = None) -> None:
        self.runtime = runtime
        self.now = now or (lambda: clock.now())  # looked up per call, so a frozen clock applies

    # --- create -----------------------------------------------------------------------------
    def build_record(self, principal: Principal, request: NewKey) -> tuple[KeyRecord, str]:
        """A new key record and its plaintext, after every rule; nothing is written."""
        settings = self.runtime.settings
        owner_type, owner_id = policy.owner_for_new_key(principal, request.service_account_id)
        scopes = list(request.scopes) if request.scopes is not None else ["read"]
        for i, scope in enumerate(scopes):
            if scope not in settings.allowed_scopes:
                raise invalid(
                    f"/scopes/{i}", f"Unknown scope; allowed: {', '.join(settings.allowed_scopes)}."
                )
        policy.check_scopes(principal, scopes)
        environment_id = policy.environment_for_new_key(principal, request.environment_id)
        now = self.now()
        expires_at = resolve_expiry(self.runtime, now, request.expires_at, request.expires_in_seconds)
        return mint(
            settings,
            principal,
            now,
            tenant_id=principal.tenant_id,
            owner_type=owner_type,
            owner_id=owner_id,
            name=request.name,
            description=request.description,
            scopes=tuple(scopes),
            environment_id=environment_id,
            metadata=dict(request.metadata),
            expires_at=expires_at,
        )

    def create(self, principal: Principal, request: NewKey) -> tuple[KeyRecord, str]:
        record, plaintext = self.build_record(principal, request)
        self.runtime.store.put_new(record)
        return record, plaintext

    # --- read -------------------------------------------------------------------------------
    def get(self, principal: Principal, key_id: str) -> KeyRecord:
        policy.require_scope(principal, policy.READ)
        if not KEY_ID_PATTERN.fullmatch(key_id):
            raise not_found()
        record = self.runtime.store.get(key_id)
        if record is None or not policy.visible(principal, record):
            raise not_found()
        return record

    def list(self, principal: Principal, filters: ListFilter, limit: int, cursor: str | None) -> Page:
        policy.require_scope(principal, policy.READ)
        if principal.is_admin and filters.owner_type and filters.owner_id:
            index, partition = (
                OWNER_INDEX,
                owner_key(principal.tenant_id, filters.owner_type, filters.owner_id),
            )
        elif principal.is_admin:
            index, partition = TENANT_INDEX, principal.tenant_id
        else:
            if (filters.owner_type not in (None, principal.owner_type)) or (
                filters.owner_id not in (None, principal.owner_id)
            ):
                return Page([], None)  # a filter for someone else's keys matches nothing you may see
            index, partition = (
                OWNER_INDEX,
                owner_key(principal.tenant_id, principal.owner_type, principal.owner_id),
            )
        clauses: list[str] = []
        names: dict[str, str] = {}
        values: dict[str, dict[str, str]] = {}
        environment = principal.environment_id or filters.environment_id
        if principal.environment_id and filters.environment_id not in (None, principal.environment_id):
            return Page([], None)
        if environment is not None:
            clauses.append("environment_id = :f_env")
            values[":f_env"] = {"S": environment}
        if principal.is_admin and filters.owner_type and not filters.owner_id:
            clauses.append("owner_type = :f_otype")
            values[":f_otype"] = {"S": filters.owner_type}
        if principal.is_admin and filters.owner_id and not filters.owner_type:
            clauses.append("owner_id = :f_oid")
            values[":f_oid"] = {"S": filters.owner_id}
        if filters.status is not None:
            clause, status_values = status_filter(filters.status, self.now())
            clauses.append(clause)
            names["#st"] = "status"
            values.update(status_values)
        binding = hashlib.sha256(
            json.dumps([index, filters.status, filters.owner_type, filters.owner_id, environment]).encode()
        ).hexdigest()[:16]
        try:
            return self.runtime.store.query(
                index,
                partition,
                limit,
                cursor,
                binding=binding,
                filter_expression=" AND ".join(clauses) or None,
                names=names or None,
                values=values or None,
            )
        except BadCursor as error:
            raise Problem(
                "malformed-request",
                f"The cursor is not valid: {error}.",
                errors=[{"pointer": "/cursor", "detail": str(error)}],
            ) from None


def status_filter(status: str, now: float) -> tuple[str, dict[str, dict[str, str]]]:
    """A filter expression for a status, with ``expired`` derived from the clock."""
    current = {":f_now": {"N": repr(round(now, 6))}}
    live = "(attribute_not_exists(expires_at) OR expires_at > :f_now)"
    if status in (ACTIVE, SUSPENDED):
        return f"#st = :f_status AND {live}", {":f_status": {"S": status}, **current}
    if status == REVOKED:
        return "#st = :f_status", {":f_status": {"S": REVOKED}}
    if status == EXPIRED:
        return "#st <> :f_revoked AND expires_at <= :f_now", {":f_revoked": {"S": REVOKED}, **current}
    raise Problem(
        "malformed-request",
        "status must be one of active, suspended, revoked, expired.",
        errors=[{"pointer": "/status", "detail": "Must be one of active, suspended, revoked, expired."}],
    )
