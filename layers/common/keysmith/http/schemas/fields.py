"""The field rules that request and response models share: the OpenAPI extras, the text and
identifier checks, and the base classes of the request bodies."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, field_validator

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
            check_text(key)
            check_text(item)
        return value


ListStatus = Literal["active", "suspended", "revoked", "expired"]
OwnerType = Literal["user", "service_account"]
