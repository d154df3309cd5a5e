"""Response shapes, for the OpenAPI document: the ApiKey resource, its list, and problem details."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Kept apart from ``fields`` (the request bodies' rules), so that a function that only answers keys
# (a listing) builds no request model in its cold start.
ListStatus = Literal["active", "suspended", "revoked", "expired"]
OwnerType = Literal["user", "service_account"]


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


class RateLimitView(Answer):
    limit: int
    window_seconds: int


class RefillView(Answer):
    amount: int
    interval: Literal["daily", "monthly"]


class CreditsView(Answer):
    remaining: int = Field(description="Credits left now (a refill that is due is counted in).")
    refill: RefillView | None


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
    format: Literal["opaque", "jwt"] = Field(
        description="`opaque` or `jwt` (a signed JWT; its `id` is the JWT's `jti`)."
    )
    allowed_ips: list[str] = Field(description="CIDR ranges the key may be used from; [] = any address.")
    not_before: str | None = Field(json_schema_extra={"format": "date-time"})
    rate_limit: RateLimitView | None
    credits: CreditsView | None


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
