"""Documentation-only route declarations for the lean handlers (never deployed).

POST /v1/verify, GET /v1/whoami and the Lambda authorizer are lean on purpose: no resolver and no
pydantic on their import path, so they have no ``router`` for ``local/openapi.py`` to read. This
module declares their routes with pydantic models for the OpenAPI document only; nothing here
serves a request. ``tests/routes/verify/test_documented.py`` checks that the shapes declared here
are the ones the handlers really accept and answer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict, Field, RootModel

from keysmith.domain import grammar
from keysmith.domain.grammar import anchored
from keysmith.http.answers import PROBLEM_CONTENT_TYPE
from keysmith.http.resolver_entry import new_router
from keysmith.http.route_docs import PROBLEM_STATUSES
from keysmith.http.schemas.resources import ProblemDetails
from keysmith.http.verify_body import MAX_COST, MAX_REQUIRED_SCOPES

SCOPE = anchored(grammar.SCOPE)
IDENTIFIER = anchored(grammar.IDENTIFIER)

# Added to components.securitySchemes by ``annotate``.
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "sigv4": {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "description": "AWS Signature Version 4 (IAM). POST /v1/verify is service-to-service: the caller "
        "needs execute-api:Invoke on it. The local server leaves it open.",
        "x-amazon-apigateway-authtype": "awsSigv4",
    },
}


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VerifyRequest(_Closed):
    """What POST /v1/verify accepts. Optional fields accept null as absent."""

    key: str = Field(
        description="The key presented to the caller's service. Any string: one that is not a key of "
        "this deploy is answered MALFORMED, not refused."
    )
    required_scopes: list[Annotated[str, Field(pattern=SCOPE)]] | None = Field(
        default=None,
        max_length=MAX_REQUIRED_SCOPES,
        description="Scopes the request needs; every one must be held (INSUFFICIENT_SCOPE otherwise).",
    )
    environment_id: Annotated[str, Field(pattern=IDENTIFIER)] | None = Field(
        default=None,
        description="The environment the request is for. A key restricted to another environment is "
        "WRONG_ENVIRONMENT; a tenant-wide key (environment_id null) is valid in every environment.",
    )
    client_ip: str | None = Field(
        default=None,
        json_schema_extra=lambda schema: schema.update(
            anyOf=[
                {"type": "string", "format": "ipv4"},
                {"type": "string", "format": "ipv6", "pattern": "^[0-9A-Fa-f:.]+$"},
                {"type": "null"},
            ]
        ),
        description="IPv4 or IPv6 address (no zone id) of the request being checked (422 otherwise); "
        "default: the verify request's own source IP. Recorded as last_used_ip.",
    )
    user_agent: str | None = Field(
        default=None,
        description="User agent of the request being checked; default: the verify request's own. "
        "Recorded as last_used_user_agent without control or formatting characters (its first 512 "
        "characters).",
    )
    cost: int | None = Field(
        default=None,
        ge=0,
        le=MAX_COST,
        description="Credits a VALID answer spends from a key with credits (default 1; 0 checks without "
        "spending, but at least one credit must be left). Every VALID answer also counts once against a "
        "rate limit, whatever its cost.",
    )


class KeyOwner(_Closed):
    type: Literal["user", "service_account"]
    id: str


class VerifiedKey(_Closed):
    id: str = Field(json_schema_extra={"format": "uuid"})
    tenant_id: str
    owner: KeyOwner
    scopes: list[str]
    environment_id: str | None
    expires_at: str | None = Field(json_schema_extra={"format": "date-time"})
    metadata: dict[str, str]


class RateLimitState(_Closed):
    limit: int
    remaining: int = Field(description="Verifications left in the current window.")
    reset_at: str = Field(
        json_schema_extra={"format": "date-time"}, description="When the current window ends."
    )


REMAINING = Field(default=None, description="Credits left after this answer (keys with credits only).")
RATE_LIMIT = Field(
    default=None, description="The rate limit's window after this answer (keys with one only)."
)


class VerifyValid(_Closed):
    valid: Literal[True]
    code: Literal["VALID"]
    key: VerifiedKey
    remaining: int | None = REMAINING
    rate_limit: RateLimitState | None = RATE_LIMIT


class VerifyRateLimited(_Closed):
    valid: Literal[False]
    code: Literal["RATE_LIMITED"]
    retry_after_seconds: int = Field(ge=1, description="Seconds until the current window ends.")
    remaining: int | None = REMAINING
    rate_limit: RateLimitState


class VerifyUsageExceeded(_Closed):
    valid: Literal[False]
    code: Literal["USAGE_EXCEEDED"]
    remaining: int = Field(description="Credits left: 0, or fewer than the cost asked for.")
    rate_limit: RateLimitState | None = RATE_LIMIT


class VerifyInvalid(_Closed):
    valid: Literal[False]
    code: Literal[
        "MALFORMED",
        "NOT_FOUND",
        "EXPIRED",
        "SUSPENDED",
        "REVOKED",
        "NOT_YET_VALID",
        "IP_NOT_ALLOWED",
        "WRONG_ENVIRONMENT",
        "INSUFFICIENT_SCOPE",
    ]


class VerifyResponse(RootModel[VerifyValid | VerifyInvalid | VerifyRateLimited | VerifyUsageExceeded]):
    """The verdict: ``valid`` with the key's principal, or ``valid: false`` with the first failing check."""


class Principal(_Closed):
    key_id: str = Field(json_schema_extra={"format": "uuid"})
    tenant_id: str
    owner: KeyOwner
    scopes: list[str]
    environment_id: str | None


class GatewayMessage(BaseModel):
    """API Gateway's own answer when the authorizer refuses (HTTP APIs cannot reshape it)."""

    message: str


def _problems(*statuses: int) -> dict[int, OpenAPIResponse]:
    return {
        status: {
            "description": PROBLEM_STATUSES[status],
            "content": {PROBLEM_CONTENT_TYPE: {"model": ProblemDetails}},
        }
        for status in statuses
    }


DOCS_ROUTER = new_router()


@DOCS_ROUTER.post(
    "/v1/verify",
    summary="Verify an API key",
    description="Checks a key presented to the caller's own service: 200 for every well-formed request, "
    "with `valid` and a `code`. Checks run in order (format, existence, status, not_before, allowed_ips, "
    "environment, scopes, rate limit, credits) and the first failure is the code. Only a VALID answer "
    "counts against a rate limit and spends credits. A VALID answer records last_used_* (at most once "
    "per key per LastUsedResolutionSeconds for a key without limits; with every counted use for a key "
    "with limits). AWS IAM when deployed; open on the local server.",
    operation_id="verifyApiKey",
    tags=["verification"],
    responses={
        200: {"description": "The verdict.", "content": {"application/json": {"model": VerifyResponse}}},
        **_problems(400, 413, 415, 422, 503),
    },
)
def verify(body: Annotated[VerifyRequest, Body()]) -> VerifyResponse:  # pragma: no cover - docs only
    raise NotImplementedError("documentation only: functions/verify/app.py serves this route")


@DOCS_ROUTER.get(
    "/v1/whoami",
    summary="The API key's principal",
    description="Behind the Lambda authorizer (KeyAuthorizer): the principal it passed on. A missing "
    "Authorization header is API Gateway's 401 and a refused key its 403, both with API Gateway's own "
    'body `{"message": ...}` (an HTTP API cannot reshape them); a store fault in the authorizer is 500.',
    operation_id="whoami",
    tags=["verification"],
    responses={
        200: {"description": "The principal.", "content": {"application/json": {"model": Principal}}},
        401: {
            "description": "No Authorization header (API Gateway).",
            "content": {"application/json": {"model": GatewayMessage}},
        },
        403: {
            "description": "The authorizer refused the key (API Gateway).",
            "content": {"application/json": {"model": GatewayMessage}},
        },
    },
)
def whoami() -> Principal:  # pragma: no cover - docs only
    raise NotImplementedError("documentation only: functions/whoami/app.py serves this route")


@DOCS_ROUTER.get(
    "/v1/openapi.json",
    summary="This OpenAPI document",
    description="The OpenAPI 3.1 document of every route. Public: no credential.",
    operation_id="getOpenApiDocument",
    tags=["meta"],
    responses={
        200: {
            "description": "The OpenAPI document.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def openapi_document() -> dict[str, Any]:  # pragma: no cover - docs only
    raise NotImplementedError("documentation only: functions/openapi/app.py serves this route")


@DOCS_ROUTER.get(
    "/v1/docs",
    summary="This document as an interactive page",
    description="An HTML page (Swagger UI) listing every operation of this document. Public. Everything "
    "it loads comes from this API (its Content-Security-Policy allows no other origin).",
    operation_id="getDocsPage",
    tags=["meta"],
    responses={200: {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}}},
)
def docs_page() -> str:  # pragma: no cover - docs only
    raise NotImplementedError("documentation only: functions/openapi/app.py serves this route")


@DOCS_ROUTER.get(
    "/v1/docs/<asset>",
    summary="A file of the docs page",
    description="The scripts and stylesheets GET /v1/docs loads: `swagger-ui-bundle.js`, "
    "`swagger-ui.css`, `page.js`, `page.css`. Public; any other name is 404.",
    operation_id="getDocsAsset",
    tags=["meta"],
    responses={
        200: {
            "description": "The file (text/javascript or text/css).",
            "content": {
                "text/javascript": {"schema": {"type": "string"}},
                "text/css": {"schema": {"type": "string"}},
            },
        },
        404: {
            "description": "No such file.",
            "content": {PROBLEM_CONTENT_TYPE: {"model": ProblemDetails}},
        },
    },
)
def docs_asset(asset: str) -> str:  # pragma: no cover - docs only
    raise NotImplementedError("documentation only: functions/openapi/app.py serves this route")


class Jwk(_Closed):
    kid: str = Field(description="The signing key's id: the `kid` in a JWT key's header.")
    kty: Literal["EC"]
    crv: Literal["P-256"]
    x: str = Field(description="base64url, 32 bytes.")
    y: str = Field(description="base64url, 32 bytes.")
    alg: Literal["ES256"]
    use: Literal["sig"]


class Jwks(_Closed):
    keys: list[Jwk] = Field(
        description="The current signing key first, then the previous ones still trusted."
    )


@DOCS_ROUTER.get(
    "/.well-known/jwks.json",
    summary="The signing keys of JWT-format keys",
    description="A JSON Web Key Set for checking JWT-format keys offline (ES256). Public: no credential. "
    "Cache-Control: public, max-age=300. Offline checks cannot see a suspension or revocation.",
    operation_id="getJwks",
    tags=["verification"],
    responses={
        200: {"description": "The key set.", "content": {"application/json": {"model": Jwks}}},
        **_problems(503),
    },
)
def jwks() -> Jwks:  # pragma: no cover - docs only
    raise NotImplementedError("documentation only: functions/jwks/app.py serves this route")


def annotate(document: dict[str, Any]) -> None:
    """After generation (Powertools checks security names against schemes it is given up front):
    POST /v1/verify is signed with AWS SigV4 (IAM), not a bearer credential."""
    document.setdefault("components", {}).setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    document["paths"]["/v1/verify"]["post"]["security"] = [{"sigv4": []}]
    for public in ("/v1/openapi.json", "/v1/docs", "/v1/docs/{asset}", "/.well-known/jwks.json"):
        document["paths"][public]["get"]["security"] = []
