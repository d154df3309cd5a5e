"""GET /v1/audit-events: the audit events the caller may see, newest first, in filled pages."""

from typing import Annotated

from keysmith import wiring
from keysmith.domain import policy
from keysmith.domain.grammar import KEY_ID, anchored
from keysmith.http.list_queries import CURSOR_QUERY
from keysmith.http.resolver_entry import (
    Query,
    Response,
    current_principal,
    json_response,
    lambda_handler,
    new_router,
)
from keysmith.http.route_docs import answer, route_doc
from keysmith.http.schemas.audit_events import AuditAction, AuditEventList

router = new_router()


@router.get(
    "/v1/audit-events",
    **route_doc(
        "List audit events",
        "listAuditEvents",
        {200: answer("A page of audit events, newest first.", AuditEventList)},
        400,
        401,
        403,
        503,
        description=(
            "Who changed which key, when and from where. An admin sees the tenant's events, anyone "
            "else those of keys they own (the owner when the event happened; a deleted key's too). "
            "API keys need `keys:read`."
        ),
        tag="audit-events",
    ),
)
def list_audit_events(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, CURSOR_QUERY] = None,
    key_id: Annotated[
        str | None, Query(pattern=anchored(KEY_ID), description="Only this key's events.")
    ] = None,
    action: Annotated[AuditAction | None, Query(description="Only events of this action.")] = None,
) -> Response[str]:
    page = wiring.audit_trail().list(current_principal(router), limit, cursor, key_id, action)
    items = [event.document() for event in page.events]
    return json_response(200, {"items": items, "next_cursor": page.cursor})


handler = lambda_handler(router, rights=policy.may_read_keys)
