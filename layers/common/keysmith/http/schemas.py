"""pydantic models of request bodies, query parameters and responses: the only module that imports
pydantic (management functions only; never on the verification path)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StrictStr, field_validator

from keysmith.clock import parse_rfc3339
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


def _document(**rules: Any) -> Any:
    """``json_schema_extra`` adding ``rules`` to a field's schema: to its non-null branch when the
    field is nullable (``anyOf`` with null), else to the schema itself."""

    def extend(schema: dict[str, Any]) -> None:
        branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
        for branch in branches or [schema]:
            branch.update(rules)

    return extend


def _not_nullable_with(**rules: Any) -> Any:
    """OpenAPI for an optional field that may be absent but never null, with ``rules`` added."""

    def extend(schema: dict[str, Any]) -> None:
        _not_nullable(schema)
        schema.update(rules)

    return extend


NAME_RULES: dict[str, Any] = {"pattern": NAME_PATTERN}
DESCRIPTION_RULES = {"pattern": MULTILINE_TEXT_PATTERN}
SCOPES_RULES = {"items": SCOPE_REF, "uniqueItems": True}
METADATA_RULES = {
    "maxProperties": 20,
    "propertyNames": {"minLength": 1, "maxLength": 40, "pattern": TEXT_PATTERN},
    "additionalProperties": {"type": "string", "maxLength": 256, "pattern": TEXT_PATTERN},
}
IDENTIFIER_RULES = {"minLength": 1, "maxLength": 128, "pattern": anchored(IDENTIFIER)}


def _check_text(value: str, *, allow_newlines: bool = False) -> str:
    for char in value:
        if allow_newlines and char in "\n\t":
            continue
        if is_forbidden_character(char):
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
        json_schema_extra=_document(**DESCRIPTION_RULES),
    )
    scopes: list[StrictStr] | None = Field(
        default=None,
        max_length=64,
        description="Unique scopes from the deploy's allowed scopes and keys:read, keys:write; "
        'default ["read"].',
        json_schema_extra=_document(**SCOPES_RULES),
    )
    expires_at: StrictStr | None = Field(
        default=None,
        description="A future RFC 3339 date-time (whole seconds count: at least the next second), at most "
        "the deploy's maximum lifetime from now.",
        json_schema_extra=_document(format="date-time"),
    )
    expires_in_seconds: LifetimeSeconds | None = Field(
        default=None, description="At most the deploy's maximum lifetime."
    )
    service_account_id: StrictStr | None = Field(
        default=None,
        description="Admins only: owner of the new key.",
        json_schema_extra=_document(**IDENTIFIER_RULES),
    )
    environment_id: StrictStr | None = Field(default=None, json_schema_extra=_document(**IDENTIFIER_RULES))
    metadata: dict[StrictStr, StrictStr] | None = Field(
        default=None,
        description="At most 20 entries; keys 1-40 characters, values up to 256.",
        json_schema_extra=_document(**METADATA_RULES),
    )

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
        description="1-100 characters after trimming white space; no control or formatting characters. "
        "Not null.",
        json_schema_extra=_not_nullable_with(**NAME_RULES),
    )
    description: StrictStr | None = Field(
        default=None,
        max_length=500,
        description='null or "" removes the description. No control or formatting characters but '
        "newline and tab.",
        json_schema_extra=_document(**DESCRIPTION_RULES),
    )
    scopes: list[StrictStr] | None = Field(
        default=None,
        max_length=64,
        description="Replaces the scopes: unique, allowed, within the caller's. Not null.",
        json_schema_extra=_not_nullable_with(**SCOPES_RULES),
    )
    expires_at: StrictStr | None = Field(
        default=None,
        description=(
            "A future RFC 3339 date-time (at least the next whole second), at most the deploy's maximum "
            "lifetime after the key's created_at. null removes the expiry (only where the deploy has no "
            "maximum lifetime). Rule 7: an API key may only bring it forward, and nobody extends or "
            "removes the end of a rotated key's grace period."
        ),
        json_schema_extra=_document(format="date-time"),
    )
    metadata: dict[StrictStr, StrictStr] | None = Field(
        default=None,
        description="Replaces the whole map (at most 20 entries); {} empties it. Not null.",
        json_schema_extra=_not_nullable_with(**METADATA_RULES),
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
    """An OpenAPI ``content`` entry whose schema is ``model``; the generator puts the model (and
    the models it uses) into ``components.schemas``."""
    return {media_type: {"model": model}}
