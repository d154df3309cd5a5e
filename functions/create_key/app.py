"""POST /v1/api-keys: create a key; the plaintext is in this response and nowhere else."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from keysmith.api import REQUIRED_BODY, current_principal, key_response, lambda_handler, problem_responses
from keysmith.clock import parse_rfc3339
from keysmith.keys import KeyService, NewKey
from keysmith.models import CreatedApiKey, CreateKeyRequest, json_content
from keysmith.runtime import get_runtime

router = APIGatewayHttpRouter()


@router.post(
    "/v1/api-keys",
    summary="Create an API key",
    description="Answers the new key with its plaintext `key`, shown once. Cache-Control: no-store.",
    operation_id="createApiKey",
    tags=["api-keys"],
    responses={
        201: {"description": "Created.", "content": json_content(CreatedApiKey)},
        **problem_responses(400, 401, 403, 413, 415, 422, 503),
    },
)
def create_key(body: Annotated[CreateKeyRequest, Body()]) -> Response[str]:
    principal = current_principal(router)
    request = NewKey(
        name=body.name,
        description=body.description,
        scopes=body.scopes,
        expires_at=parse_rfc3339(body.expires_at) if body.expires_at is not None else None,
        expires_in_seconds=body.expires_in_seconds,
        service_account_id=body.service_account_id,
        environment_id=body.environment_id,
        metadata=body.metadata or {},
    )
    record, plaintext = KeyService(get_runtime()).create(principal, request)
    return key_response(record, 201, plaintext)


handler = lambda_handler(router, body=REQUIRED_BODY, secret=True, metric="KeysCreated")
