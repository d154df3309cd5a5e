"""POST /v1/api-keys/{id}/revoke: an active or suspended key stops working for good (one write)."""

from keysmith import wiring
from keysmith.domain import policy
from keysmith.http.resolver_entry import Response, current_principal, key_response, lambda_handler, new_router
from keysmith.http.route_docs import state_change_doc

router = new_router()


@router.post("/v1/api-keys/<id>/revoke", **state_change_doc("Revoke an API key", "revokeApiKey", "Revoked"))
def revoke_key(id: str) -> Response[str]:
    return key_response(wiring.lifecycle().revoke(current_principal(router), id))


handler = lambda_handler(router, rights=policy.may_change_keys, metric="KeysRevoked")
