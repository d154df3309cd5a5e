"""POST /v1/api-keys/{id}/activate: a suspended key works again (one write)."""

from keysmith import wiring
from keysmith.domain import policy
from keysmith.http.resolver_entry import Response, current_principal, key_response, lambda_handler, new_router
from keysmith.http.route_docs import state_change_doc

router = new_router()


@router.post(
    "/v1/api-keys/<id>/activate", **state_change_doc("Activate an API key", "activateApiKey", "Activated")
)
def activate_key(id: str) -> Response[str]:
    return key_response(wiring.lifecycle().activate(current_principal(router), id))


handler = lambda_handler(router, rights=policy.may_change_keys, metric="KeysActivated")
