"""POST /v1/api-keys/{id}/suspend: an active key stops working until activated (one write)."""

from keysmith import wiring
from keysmith.domain import policy
from keysmith.http.resolver_entry import Response, current_principal, key_response, lambda_handler, new_router
from keysmith.http.route_docs import state_change_doc

router = new_router()


@router.post(
    "/v1/api-keys/<id>/suspend", **state_change_doc("Suspend an API key", "suspendApiKey", "Suspended")
)
def suspend_key(id: str) -> Response[str]:
    return key_response(wiring.lifecycle().suspend(current_principal(router), id))


handler = lambda_handler(router, rights=policy.may_change_keys, metric="KeysSuspended")
