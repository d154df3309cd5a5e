"""Every route of the HTTP API, and the answer of the ``$default`` route: 404 for an unknown path,
405 (with Allow) for a known path with another method.

template.yaml is the source of truth for which function serves a route; a test checks that this
table and the template agree.
"""

from __future__ import annotations

import re
from typing import Any

from keysmith.domain.problems import Problem
from keysmith.http.answers import problem_result, request_id_of

# (method, path template) for every route the stack serves.
ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/v1/api-keys"),
    ("GET", "/v1/api-keys"),
    ("GET", "/v1/api-keys/{id}"),
    ("PATCH", "/v1/api-keys/{id}"),
    ("DELETE", "/v1/api-keys/{id}"),
    ("POST", "/v1/api-keys/{id}/suspend"),
    ("POST", "/v1/api-keys/{id}/activate"),
    ("POST", "/v1/api-keys/{id}/revoke"),
    ("POST", "/v1/api-keys/{id}/rotate"),
    ("POST", "/v1/verify"),
    ("GET", "/v1/whoami"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/v1/docs"),
    ("GET", "/v1/docs/{asset}"),
)


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


_PATTERNS = [(method, _compile(path)) for method, path in ROUTES]


def allowed_methods(path: str) -> list[str]:
    """The methods the API serves on ``path``; empty when the path is unknown."""
    return sorted({method for method, pattern in _PATTERNS if pattern.match(path)})


def unmatched(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """problem+json 404 or 405, so API Gateway's bare {"message": "Not Found"} never reaches a client."""
    request_id = request_id_of(event)
    path = str(event.get("rawPath") or "/")
    methods = allowed_methods(path)
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
