"""POST /v1/api-keys/{id}/rotate: a successor with the same settings; the old key is revoked now or
after a grace period (one read and one transaction). The plaintext is in this response only."""

from typing import Annotated

from keysmith import wiring
from keysmith.domain import policy
from keysmith.http.resolver_entry import (
    OPTIONAL_BODY,
    Body,
    Response,
    current_principal,
    key_response,
    lambda_handler,
    new_router,
)
from keysmith.http.route_docs import problem_responses
from keysmith.http.schemas.key_requests import RotateKeyRequest
from keysmith.http.schemas.resources import CreatedApiKey, json_content

router = new_router()
NO_GRACE = RotateKeyRequest()  # no body: revoke the old key at once


@router.post(
    "/v1/api-keys/<id>/rotate",
    summary="Rotate an API key",
    description=(
        "Answers the successor with its plaintext `key`, shown once (Cache-Control: no-store). "
        "The body is optional (absent: grace 0); when sent it is a JSON object, never null. A key "
        "that already has a successor answers 409 `conflict`."
    ),
    operation_id="rotateApiKey",
    tags=["api-keys"],
    responses={
        201: {
            "description": "The successor, with its plaintext key.",
            "content": json_content(CreatedApiKey),
        },
        **problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    },
)
def rotate_key(id: str, body: Annotated[RotateKeyRequest, Body()] = NO_GRACE) -> Response[str]:
    principal = current_principal(router)
    record, plaintext = wiring.lifecycle().rotate(principal, id, body.grace_period_seconds, body.format)
    return key_response(record, 201, plaintext)


handler = lambda_handler(
    router, rights=policy.may_create_keys, body=OPTIONAL_BODY, secret=True, metric="KeysRotated"
)
