"""POST /v1/api-keys: create a key; the plaintext is in this response and nowhere else.

With an ``Idempotency-Key`` header a retried create is safe: see ``keysmith.domain.idempotency``.
"""

import json
from typing import Annotated

from keysmith import wiring
from keysmith.clock import parse_rfc3339
from keysmith.domain import idempotency, policy
from keysmith.domain.create import NewKey
from keysmith.http.request_guard import header
from keysmith.http.resolver_entry import (
    REQUIRED_BODY,
    Body,
    Header,
    Response,
    current_principal,
    json_response,
    key_response,
    lambda_handler,
    new_router,
)
from keysmith.http.route_docs import problem_responses
from keysmith.http.schemas.fields import requested_limits
from keysmith.http.schemas.key_requests import CreateKeyRequest
from keysmith.http.schemas.resources import ApiKey, CreatedApiKey, json_content
from keysmith.http.views import to_api

router = new_router()
IDEMPOTENCY_KEY = Header(
    description=(
        "1-255 printable ASCII characters. A retry with the same key and body within 24 hours answers "
        "200 with the key's current metadata (no `key`) and `Idempotent-Replayed: true`; the same key "
        "with another body answers 422. Scoped to the caller."
    ),
    json_schema_extra={
        "minLength": 1,
        "maxLength": 255,
        "pattern": "^[\\x20-\\x7E]*[\\x21-\\x7E][\\x20-\\x7E]*$",
    },
)


@router.post(
    "/v1/api-keys",
    summary="Create an API key",
    description="Answers the new key with its plaintext `key`, shown once. Cache-Control: no-store.",
    operation_id="createApiKey",
    tags=["api-keys"],
    responses={
        200: {
            "description": "A replay of an earlier create with the same Idempotency-Key and body: the key's "
            "current metadata, without `key`, and the header `Idempotent-Replayed: true`.",
            "content": json_content(ApiKey),
        },
        201: {"description": "Created.", "content": json_content(CreatedApiKey)},
        **problem_responses(400, 401, 403, 409, 413, 415, 422, 503),
    },
)
def create_key(
    body: Annotated[CreateKeyRequest, Body()],
    idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
) -> Response[str]:
    principal = current_principal(router)
    event = router.current_event
    given = idempotency.header_value(header(event.headers, idempotency.HEADER))
    request = NewKey(
        name=body.name,
        description=body.description,
        scopes=body.scopes,
        expires_at=parse_rfc3339(body.expires_at) if body.expires_at is not None else None,
        expires_in_seconds=body.expires_in_seconds,
        service_account_id=body.service_account_id,
        environment_id=body.environment_id,
        metadata=body.metadata or {},
        format=body.format,
        limits=requested_limits(body),
        credits_remaining=body.credits.remaining if body.credits is not None else None,
    )
    creator = wiring.key_creator()
    if given is None:
        record, plaintext = creator.create(principal, request)
        return key_response(record, 201, plaintext)
    fingerprint = idempotency.fingerprint(json.loads(event.body or "{}"))
    record, secret = idempotency.create_once(creator, principal, request, given, fingerprint)
    if secret is not None:
        return key_response(record, 201, secret)
    return json_response(200, to_api(record, wiring.now()), {"Idempotent-Replayed": "true"})


handler = lambda_handler(
    router, rights=policy.may_create_keys, body=REQUIRED_BODY, secret=True, metric="KeysCreated"
)
