"""The bodies of create, PATCH and rotate."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, StrictStr, field_validator

from keysmith.http.schemas.fields import (
    ALLOWED_IPS_DESCRIPTION,
    DESCRIPTION_RULES,
    IDENTIFIER_RULES,
    METADATA_RULES,
    NAME_RULES,
    NOT_BEFORE_DESCRIPTION,
    SCOPES_RULES,
    CreditsBody,
    GraceSeconds,
    IpRange,
    KeyFieldRules,
    LifetimeSeconds,
    RateLimitBody,
    StrictBody,
    check_identifier,
    document,
    not_nullable_with,
)

KeyFormat = Literal["opaque", "jwt"]
FORMAT_DESCRIPTION = (
    "`opaque` (`<prefix>_<body><checksum>`) or `jwt` (a signed ES256 JWT that can also be checked "
    "offline against /.well-known/jwks.json)."
)


class CreateKeyRequest(KeyFieldRules):
    model_config = ConfigDict(
        json_schema_extra={
            "not": {
                "description": "expires_at and expires_in_seconds, never both",
                "required": ["expires_at", "expires_in_seconds"],
                "properties": {"expires_at": {"type": "string"}, "expires_in_seconds": {"type": "integer"}},
            }
        }
    )

    name: StrictStr = Field(
        description="1-100 characters after trimming white space; no control or formatting characters.",
        json_schema_extra=NAME_RULES,
    )
    description: StrictStr | None = Field(
        default=None,
        max_length=500,
        description="No control or formatting characters but newline and tab.",
        json_schema_extra=document(**DESCRIPTION_RULES),
    )
    scopes: list[StrictStr] | None = Field(
        default=None,
        max_length=64,
        description="Unique scopes from the deploy's allowed scopes and keys:read, keys:write; "
        'default ["read"].',
        json_schema_extra=document(**SCOPES_RULES),
    )
    expires_at: StrictStr | None = Field(
        default=None,
        description="A future RFC 3339 date-time (whole seconds count: at least the next second), at most "
        "the deploy's maximum lifetime from now.",
        json_schema_extra=document(format="date-time"),
    )
    expires_in_seconds: LifetimeSeconds | None = Field(
        default=None, description="At most the deploy's maximum lifetime."
    )
    service_account_id: StrictStr | None = Field(
        default=None,
        description="Admins only: owner of the new key.",
        json_schema_extra=document(**IDENTIFIER_RULES),
    )
    environment_id: StrictStr | None = Field(default=None, json_schema_extra=document(**IDENTIFIER_RULES))
    metadata: dict[StrictStr, StrictStr] | None = Field(
        default=None,
        description="At most 20 entries; keys 1-40 characters, values up to 256.",
        json_schema_extra=document(**METADATA_RULES),
    )

    format: KeyFormat | None = Field(
        default=None, description=FORMAT_DESCRIPTION + " Default: the deploy's default key format."
    )
    allowed_ips: list[IpRange] | None = Field(
        default=None,
        max_length=50,
        description=ALLOWED_IPS_DESCRIPTION + "Empty or absent: any address.",
    )
    not_before: StrictStr | None = Field(
        default=None, description=NOT_BEFORE_DESCRIPTION, json_schema_extra=document(format="date-time")
    )
    rate_limit: RateLimitBody | None = Field(default=None, description="A fixed-window rate limit.")
    credits: CreditsBody | None = Field(default=None, description="Usage credits, with an optional refill.")

    @field_validator("service_account_id", "environment_id")
    @classmethod
    def _identifiers(cls, value: str | None) -> str | None:
        return check_identifier(value)


class UpdateKeyRequest(KeyFieldRules):
    """PATCH body: the fields to change, at least one. Absent fields stay as they are."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    name: StrictStr | None = Field(
        default=None,
        description="1-100 characters after trimming white space; no control or formatting characters. "
        "Not null.",
        json_schema_extra=not_nullable_with(**NAME_RULES),
    )
    description: StrictStr | None = Field(
        default=None,
        max_length=500,
        description='null or "" removes the description. No control or formatting characters but '
        "newline and tab.",
        json_schema_extra=document(**DESCRIPTION_RULES),
    )
    scopes: list[StrictStr] | None = Field(
        default=None,
        max_length=64,
        description="Replaces the scopes: unique, allowed, within the caller's. Not null.",
        json_schema_extra=not_nullable_with(**SCOPES_RULES),
    )
    expires_at: StrictStr | None = Field(
        default=None,
        description=(
            "A future RFC 3339 date-time (at least the next whole second), at most the deploy's maximum "
            "lifetime after the key's created_at. null removes the expiry (only where the deploy has no "
            "maximum lifetime). Rule 7: an API key may only bring it forward, and nobody extends or "
            "removes the end of a rotated key's grace period."
        ),
        json_schema_extra=document(format="date-time"),
    )
    metadata: dict[StrictStr, StrictStr] | None = Field(
        default=None,
        description="Replaces the whole map (at most 20 entries); {} empties it. Not null.",
        json_schema_extra=not_nullable_with(**METADATA_RULES),
    )

    allowed_ips: list[IpRange] | None = Field(
        default=None,
        max_length=50,
        description=ALLOWED_IPS_DESCRIPTION + "Replaces the ranges; null or [] removes the restriction. "
        "Rule 7: an API key may only narrow them.",
    )
    not_before: StrictStr | None = Field(
        default=None,
        description=NOT_BEFORE_DESCRIPTION + "null removes it. Rule 7: an API key may only move it later.",
        json_schema_extra=document(format="date-time"),
    )
    rate_limit: RateLimitBody | None = Field(
        default=None,
        description="Replaces the rate limit (the current window's count carries over while window_seconds "
        "stays); null removes it. Rule 7: an API key may only lower the limit or lengthen the window.",
    )
    credits: CreditsBody | None = Field(
        default=None,
        description="Replaces the credits (remaining and refill); null removes them. Rule 7: an API key may "
        "only lower remaining and the refill, or make it less frequent.",
    )

    @field_validator("name", "scopes", "metadata")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null")
        return value


class RotateKeyRequest(StrictBody):
    grace_period_seconds: GraceSeconds = Field(
        default=0,
        description="0 revokes the old key now; otherwise it stays valid this long (never past its expiry).",
    )
    format: KeyFormat | None = Field(
        default=None, description=FORMAT_DESCRIPTION + " Default: the old key's format."
    )
