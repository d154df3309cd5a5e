"""PATCH /v1/api-keys/{id}: change name, description, metadata, scopes or expires_at (one write)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from keysmith.api import (
    REQUIRED_BODY,
    current_principal,
    key_response,
    lambda_handler,
    new_router,
    problem_responses,
)
from keysmith.clock import parse_rfc3339
from keysmith.lifecycle import KeyChanges, Lifecycle
from keysmith.models import ApiKey, UpdateKeyRequest, json_content
from keysmith.runtime import get_runtime

router = new_router()


@router.patch(
    "/v1/api-keys/<id>",
    summary="Change an API key",
    description=(
        "Only the fields sent change; at least one is required. Active and suspended keys can be "
        "changed; revoked and expired keys answer 409 `conflict`."
    ),
    operation_id="updateApiKey",
    tags=["api-keys"],
    responses={
        200: {"description": "The key as it is now.", "content": json_content(ApiKey)},
        **problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    },
)
def update_key(id: str, body: Annotated[UpdateKeyRequest, Body()]) -> Response[str]:
    principal = current_principal(router)
    changes = KeyChanges(
        given=frozenset(body.model_fields_set),
        name=body.name,
        description=body.description,
        scopes=tuple(body.scopes) if body.scopes is not None else None,
        metadata=body.metadata or {},
        expires_at=parse_rfc3339(body.expires_at) if body.expires_at is not None else None,
    )
    record = Lifecycle(get_runtime()).update(principal, id, changes)
    return key_response(record)


handler = lambda_handler(router, body=REQUIRED_BODY, metric="KeysUpdated")
