"""pydantic models of request bodies, query parameters and responses: the only module that imports
pydantic (management functions only; never on the verification path)."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from keysmith.clock import parse_rfc3339
from keysmith.domain.grammar import IDENTIFIER, anchored

# Unicode categories never allowed in names, ids and metadata: controls, format characters (bidi
# overrides, zero-width), surrogates, private use, unassigned, line and paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _check_text(value: str, *, allow_newlines: bool = False) -> str:
    for char in value:
        if allow_newlines and char in "\n\t":
            continue
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            raise ValueError(f"must not contain control or formatting characters (found U+{ord(char):04X})")
    return value


def _check_identifier(value: str | None) -> str | None:
    if value is not None and not IDENTIFIER.fullmatch(value):
        raise ValueError("must be 1-128 characters: letters, digits and . _ : @ | + = - (not first)")
    return value


Identifier = Annotated[
    StrictStr,
    Field(min_length=1, max_length=128, pattern=anchored(IDENTIFIER)),
]


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
        return _check_text(value)

    @field_validator("description", check_fields=False)
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        return None if value is None else _check_text(value, allow_newlines=True)

    @field_validator("scopes", check_fields=False)
    @classmethod
    def _scopes(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("scopes must be unique")
        return value

    @field_validator("expires_at", check_fields=False)
    @classmethod
    def _expires_at(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_rfc3339(value)
            except ValueError:
                raise ValueError(
                    "must be an RFC 3339 date-time with Z or an offset, on a real date"
                ) from None
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
            _check_text(key)
            _check_text(item)
        return value


class CreateKeyRequest(KeyFieldRules):
    name: StrictStr = Field(description="1-100 characters after trimming; no control characters.")
    description: StrictStr | None = Field(default=None, max_length=500)
    scopes: list[StrictStr] | None = Field(
        default=None,
        max_length=64,
        description='Unique scopes from the deploy\'s allowed scopes; default ["read"].',
    )
    expires_at: StrictStr | None = Field(
        default=None, description="A future RFC 3339 date-time.", json_schema_extra={"format": "date-time"}
    )
    expires_in_seconds: StrictInt | None = Field(default=None, ge=1)
    service_account_id: StrictStr | None = Field(
        default=None, description="Admins only: owner of the new key."
    )
    environment_id: StrictStr | None = None
    metadata: dict[StrictStr, StrictStr] | None = Field(default=None, description="At most 20 entries.")

    @field_validator("service_account_id", "environment_id")
    @classmethod
    def _identifiers(cls, value: str | None) -> str | None:
        return _check_identifier(value)


def _not_nullable(schema: dict[str, Any]) -> None:
    """OpenAPI for an optional field that may be absent but never null."""
    variants = [v for v in schema.pop("anyOf", []) if v.get("type") != "null"]
    if len(variants) == 1:
        schema.update(variants[0])


class UpdateKeyRequest(KeyFieldRules):
    """PATCH body: the fields to change, at least one. Absent fields stay as they are."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    name: StrictStr | None = Field(
        default=None,
        description="1-100 characters after trimming; no control characters. Not null.",
        json_schema_extra=_not_nullable,
    )
    description: StrictStr | None = Field(
        default=None, max_length=500, description='null or "" removes the description.'
    )
    scopes: list[StrictStr] | None = Field(
        default=None,
        max_length=64,
        description="Replaces the scopes: unique, allowed, within the caller's. Not null.",
        json_schema_extra=_not_nullable,
    )
    expires_at: StrictStr | None = Field(
        default=None,
        description=(
            "A future RFC 3339 date-time, at most the deploy's maximum lifetime after the key's "
            "created_at. null removes the expiry (only where the deploy has no maximum lifetime)."
        ),
        json_schema_extra={"format": "date-time"},
    )
    metadata: dict[StrictStr, StrictStr] | None = Field(
        default=None,
        description="Replaces the whole map (at most 20 entries); {} empties it. Not null.",
        json_schema_extra=_not_nullable,
    )

    @field_validator("name", "scopes", "metadata")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null")
        return value


class RotateKeyRequest(StrictBody):
    grace_period_seconds: StrictInt = Field(
        default=0,
        ge=0,
        le=604_800,
        description="0 revokes the old key now; otherwise it stays valid this long (never past its expiry).",
    )


ListStatus = Literal["active", "suspended", "revoked", "expired"]
OwnerType = Literal["user", "service_account"]


# --- responses (for the OpenAPI document) ----------------------------------------------------


class Answer(BaseModel):
    """A response shape: only the OpenAPI document needs its schema, so it is built when first asked
    for (``defer_build``), never in a function's cold start."""

    model_config = ConfigDict(defer_build=True)


class Owner(Answer):
    type: OwnerType
    id: str


class Creator(Answer):
    type: Literal["user", "service_account", "api_key", "iam"] = Field(
        description="`iam`: a trusted backend on the internal API, recorded as its IAM ARN (`id`)."
    )
    id: str


class AvailableActions(Answer):
    suspend: bool
    activate: bool
    revoke: bool
    rotate: bool
    delete: bool


class ApiKey(Answer):
    id: str = Field(json_schema_extra={"format": "uuid"})
    type: Literal["api_key"]
    name: str
    description: str | None
    prefix: str
    last_four: str
    scopes: list[str]
    tenant_id: str
    owner: Owner
    environment_id: str | None
    metadata: dict[str, str]
    status: Literal["active", "suspended", "revoked", "expired"]
    available_actions: AvailableActions
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    created_by: Creator
    updated_at: str = Field(json_schema_extra={"format": "date-time"})
    expires_at: str | None = Field(json_schema_extra={"format": "date-time"})
    last_used_at: str | None = Field(json_schema_extra={"format": "date-time"})
    last_used_ip: str | None
    last_used_user_agent: str | None
    suspended_at: str | None = Field(json_schema_extra={"format": "date-time"})
    revoked_at: str | None = Field(json_schema_extra={"format": "date-time"})
    rotated_from: str | None
    rotated_to: str | None


class CreatedApiKey(ApiKey):
    key: str = Field(description="The plaintext key. Shown once, never again.")


class ApiKeyList(Answer):
    items: list[ApiKey]
    next_cursor: str | None


class ProblemError(Answer):
    pointer: str
    detail: str


class ProblemDetails(Answer):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str
    errors: list[ProblemError] | None = None


def json_content(model: type[BaseModel], media_type: str = "application/json") -> dict[str, Any]:
    return {media_type: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}
