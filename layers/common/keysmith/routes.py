"""Every route of the HTTP API, so that the fallback function can tell 404 from 405.

template.yaml is the source of truth for which function serves a route; a test checks that this
table and the template agree.
"""

from __future__ import annotations

import re

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
)


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


_PATTERNS = [(method, _compile(path)) for method, path in ROUTES]


def allowed_methods(path: str) -> list[str]:
    """The methods the API serves on ``path``; empty when the path is unknown."""
    return sorted({method for method, pattern in _PATTERNS if pattern.match(path)})
