"""GET /v1/api-keys/{id}: one key the caller may see (others, and other tenants', are 404)."""

from aws_lambda_powertools.event_handler import Response

from keysmith.api import current_principal, key_response, lambda_handler, new_router, problem_responses
from keysmith.keys import KeyService
from keysmith.models import ApiKey, json_content
from keysmith.runtime import get_runtime

router = new_router()


@router.get(
    "/v1/api-keys/<id>",
    summary="Get an API key",
    operation_id="getApiKey",
    tags=["api-keys"],
    responses={
        200: {"description": "The key.", "content": json_content(ApiKey)},
        **problem_responses(401, 403, 404, 503),
    },
)
def get_key(id: str) -> Response[str]:
    record = KeyService(get_runtime()).get(current_principal(router), id)
    return key_response(record)


handler = lambda_handler(router)
