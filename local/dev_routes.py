"""The development-only routes the local server answers itself (never a function, never deployed):
``POST /_local/sessions`` (a session JWT for a user and tenant) and ``GET /_local/jwks.json`` (the
key that signs them, which the functions trust in local mode). Their answers follow the API's own
rules (problem+json, 405 with Allow, 413/415/400/422) through ``local.layer``.
"""

from __future__ import annotations

import json
from typing import Any

from local import layer
from local.gateway import HttpRequest, HttpResponse
from local.gateway.events import build_event
from local.gateway.responses import to_http_response
from local.gateway.routes import Route, match_route
from local.sessions import SessionSigner

PREFIX = "/_local/"
MAX_FIELD_LENGTH = 128
MAX_ROLES = 20
SESSION_FIELDS = ("user_id", "tenant_id", "roles")
SESSIONS_ROUTE = Route("POST", "/_local/sessions", "local:sessions")
JWKS_ROUTE = Route("GET", "/_local/jwks.json", "local:jwks")
DEV_ROUTES = (SESSIONS_ROUTE, JWKS_ROUTE)


def session_request(body: dict[str, Any]) -> tuple[str, str, list[str]]:
    """``{"user_id", "tenant_id", "roles"?}`` checked as the session verifier will read it (else 422)."""
    errors: list[dict[str, str]] = []
    for name in body:
        if name not in SESSION_FIELDS:
            errors.append({"pointer": f"/{name}", "detail": "Unknown field."})
    for name in ("user_id", "tenant_id"):
        value = body.get(name)
        if not isinstance(value, str) or not value:
            errors.append({"pointer": f"/{name}", "detail": "Required: a non-empty string."})
        elif len(value) > MAX_FIELD_LENGTH:
            errors.append({"pointer": f"/{name}", "detail": f"At most {MAX_FIELD_LENGTH} characters."})
        elif not layer.identifier().fullmatch(value):
            errors.append(
                {
                    "pointer": f"/{name}",
                    "detail": "Letters, digits and ._:@|+=- only, starting with a letter or digit.",
                }
            )
    roles = body.get("roles", [])
    if not isinstance(roles, list) or len(roles) > MAX_ROLES:
        errors.append({"pointer": "/roles", "detail": f"A list of at most {MAX_ROLES} role names."})
        roles = []
    for index, role in enumerate(roles):
        if not isinstance(role, str) or not role or len(role) > MAX_FIELD_LENGTH:
            errors.append(
                {
                    "pointer": f"/roles/{index}",
                    "detail": f"A non-empty string of at most {MAX_FIELD_LENGTH} characters.",
                }
            )
    if errors:
        raise layer.problem(
            "validation-error", "The session request breaks a field rule; see errors.", errors=errors
        )
    return body["user_id"], body["tenant_id"], list(dict.fromkeys(roles))


def json_result(status: int, body: Any, request_id: str, **headers: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "X-Request-Id": request_id, **headers},
        "body": json.dumps(body, separators=(",", ":")),
    }


class DevRoutes:
    """The ``/_local/`` routes, answered with the signer's sessions and JWKS."""

    def __init__(self, signer: SessionSigner) -> None:
        self.signer = signer
        self.jwks = signer.jwks()

    @staticmethod
    def serves(request: HttpRequest) -> bool:
        return request.raw_path.startswith(PREFIX)

    def handle(self, request: HttpRequest, request_id: str) -> HttpResponse:
        match = match_route(DEV_ROUTES, request.method, request.raw_path)
        event = build_event(request, match, request_id=request_id) if match else {}
        try:
            if match is None:
                methods = sorted({r.method for r in DEV_ROUTES if r.path == request.raw_path})
                if methods:
                    raise layer.problem(
                        "method-not-allowed",
                        f"{request.method} is not allowed on {request.raw_path}; use {', '.join(methods)}.",
                        headers={"Allow": ", ".join(methods)},
                    )
                raise layer.problem("not-found", f"No local route matches {request.raw_path}.")
            if match.route is JWKS_ROUTE:
                result = json_result(200, self.jwks, request_id)
            else:
                user_id, tenant_id, roles = session_request(layer.json_object_body(event))
                token, expires_at = self.signer.mint(user_id, tenant_id, roles)
                result = json_result(
                    200,
                    {"token": token, "expires_at": expires_at},
                    request_id,
                    **{"Cache-Control": "no-store"},
                )
        except layer.problem_type() as problem:
            result = layer.problem_result(problem, request.raw_path, request_id)
        return to_http_response(result)
