"""GET /v1/api-keys/{id}: one key the caller may see (others, and other tenants', are 404)."""

from keysmith import wiring
from keysmith.domain import policy
from keysmith.http.resolver_entry import Response, current_principal, key_response, lambda_handler, new_router
from keysmith.http.route_docs import answer, route_doc

router = new_router()


@router.get(
    "/v1/api-keys/<id>",
    **route_doc("Get an API key", "getApiKey", {200: answer("The key.")}, 401, 403, 404, 503),
)
def get_key(id: str) -> Response[str]:
    return key_response(wiring.key_query().get(current_principal(router), id))


handler = lambda_handler(router, rights=policy.may_read_keys)
