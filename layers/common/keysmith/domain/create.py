"""Making keys: the rules of a new key (owner, scopes, environment, expiry) and ``mint``, the one
place a plaintext is made (create and rotation alike)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from keysmith import clock
from keysmith.domain import audit, jwt_key, key_format, policy, restrictions
from keysmith.domain.api_key import ACTIVE, KeyRecord
from keysmith.domain.ports import KeyStore
from keysmith.domain.principals import Principal
from keysmith.domain.problems import Problem
from keysmith.domain.restrictions import Limits
from keysmith.domain.signing import Signer
from keysmith.settings import Settings

DAY = 86_400
# Without a deploy maximum, a key may still not be set to expire more than 100 years out.
LONGEST_LIFETIME_SECONDS = 100 * 365 * DAY


def invalid(pointer: str, detail: str) -> Problem:
    return Problem("validation-error", detail, errors=[{"pointer": pointer, "detail": detail}])


@dataclass(frozen=True)
class NewKey:
    """What a client asked for, already checked for shape
    (``keysmith.http.schemas.key_requests.CreateKeyRequest``)."""

    name: str
    description: str | None = None
    scopes: Sequence[str] | None = None
    expires_at: float | None = None
    expires_in_seconds: int | None = None
    service_account_id: str | None = None
    environment_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    format: str | None = None  # opaque or jwt; None: the deploy's DefaultKeyFormat
    limits: Limits = field(default_factory=Limits)  # restrictions and limits, without counters
    credits_remaining: int | None = None


def lifetime_limit(settings: Settings) -> int:
    days = settings.max_key_lifetime_days
    return days * DAY if days > 0 else LONGEST_LIFETIME_SECONDS


def resolve_expiry(
    settings: Settings, now: float, expires_at: float | None, expires_in_seconds: int | None
) -> float | None:
    """The expiry of a new key: asked for, or the deploy's maximum lifetime, never beyond it."""
    limit = lifetime_limit(settings)
    if expires_at is not None and expires_in_seconds is not None:
        raise invalid("/expires_in_seconds", "Give expires_at or expires_in_seconds, not both.")
    if expires_in_seconds is not None:
        if not 1 <= expires_in_seconds <= limit:
            raise invalid("/expires_in_seconds", f"Must be between 1 and {limit} seconds.")
        return float(math.floor(now) + expires_in_seconds)
    if expires_at is not None:
        stored = future_second("/expires_at", expires_at, now)
        if stored > now + limit:
            raise invalid("/expires_at", f"Must be at most {limit} seconds from now.")
        return stored
    if settings.max_key_lifetime_days > 0:
        return float(math.floor(now) + limit)
    return None


def ttl_for(expires_at: float | None, revoked_at: float | None, retention_days: int) -> int | None:
    """When the store may remove the item: the end of its life plus the retention window."""
    ends = [t for t in (expires_at, revoked_at) if t is not None]
    return int(min(ends)) + retention_days * DAY if ends else None


def check_allowed_scopes(allowed: Sequence[str], scopes: Sequence[str]) -> None:
    """Every scope must be one the deploy allows or a management scope (``keys:read``,
    ``keys:write``), which every deploy allows (422 pointing at the first that is not)."""
    known = policy.known_scopes(allowed)
    for i, scope in enumerate(scopes):
        if scope not in known:
            raise invalid(f"/scopes/{i}", f"Unknown scope; allowed: {', '.join(known)}.")


def future_second(pointer: str, expires_at: float, now: float) -> float:
    """An expiry as stored (whole seconds, rounded down), refused unless it is still ahead of now:
    rounding comes first, so a time less than a second ahead is never stored already expired."""
    stored = float(math.floor(expires_at))
    if stored <= now:
        raise invalid(pointer, "Must be in the future (at least the next whole second).")
    return stored


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
    key_format_name: str = jwt_key.OPAQUE,
    signer: Callable[[], Signer | None] | None = None,
    limits: Limits | None = None,
) -> tuple[KeyRecord, str]:
    """A new key and its record, for create and for rotation: the one place a plaintext is made.

    An opaque key's id comes from its digest; a JWT key's id is its ``jti`` (from the CSPRNG),
    signed into the JWT, whose digest is then stored like an opaque key's."""
    if key_format_name == jwt_key.JWT:
        plaintext = ""
        key_digest = b""
        key_id = jwt_key.new_key_id()
    else:
        plaintext = key_format.generate(settings.token_prefix)
        key_digest = key_format.digest(plaintext)
        key_id = key_format.key_id(key_digest)
    creator_type, creator_id = creator.creator
    record = KeyRecord(
        id=key_id,
        key_hash=key_digest.hex(),
        tenant_id=tenant_id,
        owner_type=owner_type,
        owner_id=owner_id,
        name=name,
        description=description,
        prefix=key_format.display_prefix(plaintext, settings.token_prefix),
        last_four=key_format.last_four(plaintext),
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
        format=key_format_name,
        limits=limits or Limits(),
    )
    if key_format_name == jwt_key.JWT:
        return _signed(record, settings, signer)
    return record, plaintext


def _signed(
    record: KeyRecord, settings: Settings, signer: Callable[[], Signer | None] | None
) -> tuple[KeyRecord, str]:
    """The JWT of ``record``, and the record with the JWT's digest, display prefix and last four."""
    current = signer() if signer is not None else None
    if current is None:
        raise invalid("/format", "This deployment has no signing key for JWT keys; use the opaque format.")
    token = jwt_key.encode(record, settings.token_prefix, settings.key_issuer, current)
    digest = key_format.digest(token)
    return record.with_changes(
        key_hash=digest.hex(),
        prefix=key_format.display_prefix(token, settings.token_prefix),
        last_four=key_format.last_four(token),
    ), token


def resolve_format(settings: Settings, asked: str | None, default: str | None = None) -> str:
    """The format of a new key: asked for, else ``default`` (a rotated key's own), else the deploy's."""
    chosen = asked or default or settings.default_key_format
    if chosen not in jwt_key.FORMATS:
        raise invalid("/format", f"Must be one of {', '.join(jwt_key.FORMATS)}.")
    return chosen


class KeyService:
    """A service of the domain: the store, the deploy's settings, the clock and, for JWT keys, the
    current signing key (None when the deploy has none)."""

    def __init__(
        self,
        store: KeyStore,
        settings: Settings,
        now: Callable[[], float],
        signer: Callable[[], Signer | None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.now = now
        self.signer = signer


class KeyCreator(KeyService):
    """POST /v1/api-keys: every rule, then one write."""

    def build_record(self, principal: Principal, request: NewKey) -> tuple[KeyRecord, str]:
        """A new key record and its plaintext, after every rule; nothing is written."""
        settings = self.settings
        owner_type, owner_id = policy.owner_for_new_key(principal, request.service_account_id)
        scopes = list(request.scopes) if request.scopes is not None else ["read"]
        check_allowed_scopes(settings.allowed_scopes, scopes)
        policy.check_scopes(principal, scopes)
        environment_id = policy.environment_for_new_key(principal, request.environment_id)
        now = self.now()
        expires_at = resolve_expiry(settings, now, request.expires_at, request.expires_in_seconds)
        chosen_format = resolve_format(settings, request.format)
        limits = request.limits
        if limits.not_before is not None:
            limits = replace(limits, not_before=restrictions.starts_at(limits.not_before))
            reason = restrictions.check_starts_before_expiry(limits.not_before, expires_at)
            if reason is not None:
                raise invalid("/not_before", reason)
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
            key_format_name=chosen_format,
            signer=self.signer,
            limits=restrictions.with_credits_left(limits, request.credits_remaining, now),
        )

    def create(self, principal: Principal, request: NewKey) -> tuple[KeyRecord, str]:
        """The key and its ``create`` audit event, in one write."""
        record, plaintext = self.build_record(principal, request)
        self.store.put_new(record, (audit.created(principal, record),))
        return record, plaintext
