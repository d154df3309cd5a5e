"""Every route of the two HTTP APIs, and the answer of each API's ``$default`` route: 404 for a
path that API does not serve, 405 (with Allow) for one of its paths with another method.

template.yaml is the source of truth for which function serves a route; a test checks that this
table and the template agree.
"""

from __future__ import annotations

import re
from typing import Any

from keysmith.auth.trusted_backend import through_internal_api
from keysmith.domain.problems import Problem
from keysmith.http.answers import problem_result, request_id_of

# (method, path template) of the key-management routes, served by both APIs.
MANAGEMENT_ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/v1/api-keys"),
    ("GET", "/v1/api-keys"),
    ("GET", "/v1/audit-events"),
    ("GET", "/v1/api-keys/{id}"),
    ("PATCH", "/v1/api-keys/{id}"),
    ("DELETE", "/v1/api-keys/{id}"),
    ("POST", "/v1/api-keys/{id}/suspend"),
    ("POST", "/v1/api-keys/{id}/activate"),
    ("POST", "/v1/api-keys/{id}/revoke"),
    ("POST", "/v1/api-keys/{id}/rotate"),
)
# The public API (Bearer credentials) adds the principal, the document and its page.
PUBLIC_ROUTES = (
    *MANAGEMENT_ROUTES,
    ("GET", "/v1/whoami"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/v1/docs"),
    ("GET", "/v1/docs/{asset}"),
    ("GET", "/.well-known/jwks.json"),
)
# The internal API (AWS IAM) adds verification, which lives there alone.
INTERNAL_ROUTES = (*MANAGEMENT_ROUTES, ("POST", "/v1/verify"))
# Every route the stack serves, on one API or both.
ROUTES: tuple[tuple[str, str], ...] = tuple(dict.fromkeys((*PUBLIC_ROUTES, *INTERNAL_ROUTES)))


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def _patterns(routes: tuple[tuple[str, str], ...]) -> list[tuple[str, re.Pattern[str]]]:
    return [(method, _compile(path)) for method, path in routes]


_PUBLIC, _INTERNAL = _patterns(PUBLIC_ROUTES), _patterns(INTERNAL_ROUTES)


def allowed_methods(path: str, *, internal: bool = False) -> list[str]:
    """The methods one API serves on ``path``; empty when that API does not serve the path."""
    patterns = _INTERNAL if internal else _PUBLIC
    return sorted({method for method, pattern in patterns if pattern.match(path)})


def unmatched(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """problem+json 404 or 405, so API Gateway's bare {"message": "Not Found"} never reaches a client."""
    request_id = request_id_of(event)
    path = str(event.get("rawPath") or "/")
    methods = allowed_methods(path, internal=through_internal_api(event))
    if methods:
        method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "")).upper()
        problem = Problem(
            "method-not-allowed",
            f"{method or 'This method'} is not allowed on {path}; use {', '.join(methods)}.",
            headers={"Allow": ", ".join(methods)},
        )
    else:
        problem = Problem("not-found", f"No route matches {path}.")
    return problem_result(problem, path, request_id)
