"""POST /v1/api-keys/{id}/revoke: an active or suspended key stops working for good (one write)."""

from aws_lambda_powertools.event_handler import Response

from keysmith.api import current_principal, key_response, lambda_handler, new_router, problem_responses
from keysmith.lifecycle import Lifecycle
from keysmith.models import ApiKey, json_content
from keysmith.runtime import get_runtime

router = new_router()


@router.post(
    "/v1/api-keys/<id>/revoke",
    summary="Revoke an API key",
    description="409 `conflict` when the key's status does not allow it (see `available_actions`).",
    operation_id="revokeApiKey",
    tags=["api-keys"],
    responses={
        200: {"description": "Revoked: the key as it is now.", "content": json_content(ApiKey)},
        **problem_responses(401, 403, 404, 409, 503),
    },
)
def revoke_key(id: str) -> Response[str]:
    record = Lifecycle(get_runtime()).revoke(current_principal(router), id)
    return key_response(record)


handler = lambda_handler(router, metric="KeysRevoked")
