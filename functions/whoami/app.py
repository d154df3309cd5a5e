"""GET /v1/whoami: the API key's principal as the Lambda authorizer passed it on
(``requestContext.authorizer.lambda``). No store access: the authorizer already verified the key."""

from typing import Any

from keysmith.lean import json_result, lean_http_handler, principal_from_context
from keysmith.problems import unauthenticated


def whoami(event: dict[str, Any], request_id: str) -> dict[str, Any]:
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    context = authorizer.get("lambda") if isinstance(authorizer, dict) else None
    if not isinstance(context, dict) or not context.get("key_id"):
        # Only when the route is wired without the authorizer: refuse rather than guess.
        raise unauthenticated("An API key is required (Authorization: Bearer <key>).")
    return json_result(200, principal_from_context(context), request_id)


handler = lean_http_handler(whoami)
