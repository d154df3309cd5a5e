"""GET /v1/api-keys: the keys the caller may see, newest first, one index query per page."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from keysmith import clock
from keysmith.api import current_principal, json_response, lambda_handler, new_router, problem_responses
from keysmith.keys import KeyService, ListFilter
from keysmith.models import ApiKeyList, ListStatus, OwnerType, json_content
from keysmith.principals import IDENTIFIER
from keysmith.records import to_api
from keysmith.runtime import get_runtime

router = new_router()
ID_PATTERN = "^" + IDENTIFIER.pattern + "$"


@router.get(
    "/v1/api-keys",
    summary="List API keys",
    operation_id="listApiKeys",
    tags=["api-keys"],
    responses={
        200: {"description": "A page of keys.", "content": json_content(ApiKeyList)},
        **problem_responses(400, 401, 403, 503),
    },
)
def list_keys(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=1024)] = None,
    status: Annotated[ListStatus | None, Query()] = None,
    owner_type: Annotated[OwnerType | None, Query()] = None,
    owner_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    environment_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> Response[str]:
    principal = current_principal(router)
    filters = ListFilter(
        status=status, owner_type=owner_type, owner_id=owner_id, environment_id=environment_id
    )
    page = KeyService(get_runtime()).list(principal, filters, limit, cursor)
    now = clock.now()
    return json_response(200, {"items": [to_api(r, now) for r in page.records], "next_cursor": page.cursor})


handler = lambda_handler(router)
