"""DELETE /v1/api-keys/{id}: remove a suspended, revoked or expired key (one conditional write)."""

from keysmith import wiring
from keysmith.domain import policy
from keysmith.http.resolver_entry import Response, current_principal, lambda_handler, new_router
from keysmith.http.route_docs import route_doc

router = new_router()
DOC = route_doc(
    "Delete an API key",
    "deleteApiKey",
    {204: {"description": "Deleted; no body."}},
    401,
    403,
    404,
    409,
    503,
    description="Only suspended, revoked or expired keys; an active key answers 409 `conflict`.",
)


@router.delete("/v1/api-keys/<id>", **DOC)
def delete_key(id: str) -> Response[str]:
    wiring.lifecycle().delete(current_principal(router), id)
    return Response(status_code=204, body="")


handler = lambda_handler(router, rights=policy.may_change_keys, metric="KeysDeleted")
