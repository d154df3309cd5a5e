"""The field rules that request and response models share: the OpenAPI extras, the text and
identifier checks, and the base classes of the request bodies."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Protocol

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)

from keysmith.clock import parse_rfc3339
from keysmith.domain import restrictions
from keysmith.domain.create import LONGEST_LIFETIME_SECONDS
from keysmith.domain.grammar import (
    IDENTIFIER,
    MULTILINE_TEXT_PATTERN,
    NAME_PATTERN,
    TEXT_PATTERN,
    anchored,
    is_forbidden_character,
)

# The document's name for a scope: ``local/openapi.py`` defines it with the default allowed scopes
# and the management scopes; the openapi function serves the deploy's own list.
SCOPE_REF = {"$ref": "#/components/schemas/Scope"}


def document(**rules: Any) -> Any:
    """``json_schema_extra`` adding ``rules`` to a field's schema: to its non-null branch when the
    field is nullable (``anyOf`` with null), else to the schema itself."""

    def extend(schema: dict[str, Any]) -> None:
        branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
        for branch in branches or [schema]:
            branch.update(rules)

    return extend


def not_nullable_with(**rules: Any) -> Any:
    """OpenAPI for an optional field that may be absent but never null, with ``rules`` added."""

    def extend(schema: dict[str, Any]) -> None:
        not_nullable(schema)
        schema.update(rules)

    return extend


def not_nullable(schema: dict[str, Any]) -> None:
    """OpenAPI for an optional field that may be absent but never null."""
    variants = [v for v in schema.pop("anyOf", []) if v.get("type") != "null"]
    if len(variants) == 1:
        schema.update(variants[0])


NAME_RULES: dict[str, Any] = {"pattern": NAME_PATTERN}
DESCRIPTION_RULES = {"pattern": MULTILINE_TEXT_PATTERN}
SCOPES_RULES = {"items": SCOPE_REF, "uniqueItems": True}
METADATA_RULES = {
    "maxProperties": 20,
    "propertyNames": {"minLength": 1, "maxLength": 40, "pattern": TEXT_PATTERN},
    "additionalProperties": {"type": "string", "maxLength": 256, "pattern": TEXT_PATTERN},
}
IDENTIFIER_RULES = {"minLength": 1, "maxLength": 128, "pattern": anchored(IDENTIFIER)}


def check_text(value: str, *, allow_newlines: bool = False) -> str:
    for char in value:
        if allow_newlines and char in "\n\t":
            continue
        if is_forbidden_character(char):
            raise ValueError(f"must not contain control or formatting characters (found U+{ord(char):04X})")
    return value


def check_identifier(value: str | None) -> str | None:
    if value is not None and not IDENTIFIER.fullmatch(value):
        raise ValueError("must be 1-128 characters: letters, digits and . _ : @ | + = - (not first)")
    return value


def _whole_number(value: Any) -> Any:
    """JSON Schema's ``integer``: a number with no fraction (``370.0`` too), never a string or a bool."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


LifetimeSeconds = Annotated[
    StrictInt, Field(ge=1, le=LONGEST_LIFETIME_SECONDS), BeforeValidator(_whole_number)
]
GraceSeconds = Annotated[StrictInt, Field(ge=0, le=604_800), BeforeValidator(_whole_number)]


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class KeyFieldRules(StrictBody):
    """The field rules shared by create and PATCH (each model declares its own fields)."""

    @field_validator("name", check_fields=False)
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not 1 <= len(value) <= 100:
            raise ValueError("must be 1-100 characters after trimming")
        return check_text(value)

    @field_validator("description", check_fields=False)
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        return None if value is None else check_text(value, allow_newlines=True)

    @field_validator("scopes", "allowed_ips", check_fields=False)
    @classmethod
    def _unique(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            if info.field_name == "allowed_ips":
                raise ValueError("ranges must be unique (after normalising, e.g. 10.0.0.1 is 10.0.0.1/32)")
            raise ValueError("scopes must be unique")
        return value

    @field_validator("expires_at", "not_before", check_fields=False)
    @classmethod
    def _date_time(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            try:
                at = parse_rfc3339(value)
            except ValueError:
                raise ValueError(
                    "must be an RFC 3339 date-time with Z or an offset, on a real date"
                ) from None
            # (expires_at must be in the future: the domain says so with the deploy's limit)
            if info.field_name == "not_before" and at < 0:
                raise ValueError("must be on or after 1970-01-01T00:00:00Z")
        return value

    @field_validator("metadata", check_fields=False)
    @classmethod
    def _metadata(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        if len(value) > 20:
            raise ValueError("at most 20 entries")
        for key, item in value.items():
            if not 1 <= len(key) <= 40:
                raise ValueError("keys must be 1-40 characters")
            if len(item) > 256:
                raise ValueError("values must be at most 256 characters")
            check_text(key)
            check_text(item)
        return value


# --- restrictions and usage limits ---------------------------------------------------------------


def _cidr(value: str) -> str:
    network, reason = restrictions.parse_range(value)
    if network is None:
        raise ValueError(reason)
    return str(network)


# The document states the range's syntax; host bits and prefix bounds are the server's check.
IP_RANGE_PATTERN = "^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$"
IpRange = Annotated[StrictStr, AfterValidator(_cidr), Field(json_schema_extra={"pattern": IP_RANGE_PATTERN})]
Limit = Annotated[StrictInt, Field(ge=1, le=restrictions.MAX_RATE_LIMIT), BeforeValidator(_whole_number)]
WindowSeconds = Annotated[
    StrictInt, Field(ge=1, le=restrictions.MAX_WINDOW_SECONDS), BeforeValidator(_whole_number)
]
CreditCount = Annotated[StrictInt, Field(ge=0, le=restrictions.MAX_CREDITS), BeforeValidator(_whole_number)]
RefillAmount = Annotated[StrictInt, Field(ge=1, le=restrictions.MAX_CREDITS), BeforeValidator(_whole_number)]
ALLOWED_IPS_DESCRIPTION = (
    f"Up to {restrictions.MAX_ALLOWED_IPS} IPv4 or IPv6 CIDR ranges (a bare address is one address), "
    "without host bits or zone ids; verification from any other address is IP_NOT_ALLOWED. "
)
NOT_BEFORE_DESCRIPTION = (
    "RFC 3339 date-time (rounded up to a whole second) before which verification is NOT_YET_VALID; "
    "must be before expires_at. "
)


class RateLimitBody(StrictBody):
    """At most ``limit`` valid verifications per fixed window of ``window_seconds`` (windows are
    aligned to 1970-01-01T00:00:00Z)."""

    limit: Limit
    window_seconds: WindowSeconds


class RefillBody(StrictBody):
    """``remaining`` becomes ``amount`` at 00:00 UTC (daily) or on the 1st at 00:00 UTC (monthly)."""

    amount: RefillAmount
    interval: Literal["daily", "monthly"]


class CreditsBody(StrictBody):
    """Credits left; each valid verification spends its ``cost`` (default 1)."""

    remaining: CreditCount
    refill: RefillBody | None = None


class RestrictionFields(Protocol):
    """The restriction fields of a create or PATCH body."""

    allowed_ips: list[str] | None
    not_before: str | None
    rate_limit: RateLimitBody | None
    credits: CreditsBody | None


def requested_limits(body: RestrictionFields) -> restrictions.Limits:
    """A body's restrictions and limits as the domain's ``Limits`` (no counters; ``credits.remaining``
    is the caller's to pass on)."""
    rate, credits = body.rate_limit, body.credits
    refill = credits.refill if credits is not None else None
    return restrictions.Limits(
        allowed_ips=tuple(body.allowed_ips or ()),
        not_before=parse_rfc3339(body.not_before) if body.not_before is not None else None,
        rate_limit=restrictions.RateLimit(rate.limit, rate.window_seconds) if rate is not None else None,
        credits=restrictions.Credits(
            refill.amount if refill is not None else None, refill.interval if refill is not None else None
        )
        if credits is not None
        else None,
    )
