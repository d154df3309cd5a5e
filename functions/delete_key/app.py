"""DELETE /v1/api-keys/{id}: remove a suspended, revoked or expired key (one conditional write)."""

from aws_lambda_powertools.event_handler import Response

from keysmith.api import current_principal, lambda_handler, new_router, problem_responses
from keysmith.lifecycle import Lifecycle
from keysmith.runtime import get_runtime

router = new_router()


@router.delete(
    "/v1/api-keys/<id>",
    summary="Delete an API key",
    description="Only suspended, revoked or expired keys; an active key answers 409 `conflict`.",
    operation_id="deleteApiKey",
    tags=["api-keys"],
    responses={204: {"description": "Deleted; no body."}, **problem_responses(401, 403, 404, 409, 503)},
)
def delete_key(id: str) -> Response[str]:
    Lifecycle(get_runtime()).delete(current_principal(router), id)
    return Response(status_code=204, body="")


handler = lambda_handler(router, metric="KeysDeleted")
