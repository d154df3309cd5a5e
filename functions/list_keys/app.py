"""GET /v1/api-keys: the keys the caller may see, newest first, in filled pages (a bounded number
of index queries per page: ``keysmith.store.listing``)."""

from typing import Annotated

from keysmith import wiring
from keysmith.domain import policy
from keysmith.domain.grammar import IDENTIFIER, anchored
from keysmith.domain.query import ListFilter
from keysmith.http.list_queries import CURSOR_QUERY
from keysmith.http.resolver_entry import (
    Query,
    Response,
    current_principal,
    json_response,
    lambda_handler,
    new_router,
)
from keysmith.http.route_docs import problem_responses
from keysmith.http.schemas.resources import ApiKeyList, ListStatus, OwnerType, json_content
from keysmith.http.views import to_api

router = new_router()
ID_PATTERN = anchored(IDENTIFIER)


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
    cursor: Annotated[str | None, CURSOR_QUERY] = None,
    status: Annotated[ListStatus | None, Query()] = None,
    owner_type: Annotated[OwnerType | None, Query()] = None,
    owner_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    environment_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> Response[str]:
    principal = current_principal(router)
    filters = ListFilter(
        status=status, owner_type=owner_type, owner_id=owner_id, environment_id=environment_id
    )
    page = wiring.key_query().list(principal, filters, limit, cursor)
    now = wiring.now()
    return json_response(200, {"items": [to_api(r, now) for r in page.records], "next_cursor": page.cursor})


handler = lambda_handler(router, rights=policy.may_read_keys)
