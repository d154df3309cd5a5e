"""RFC 9457 problem details: the slug catalogue, the domain exception, and the one place that
turns a problem into an HTTP answer. Standard library only (the lean handlers use it too)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:keysmith:problem:"

# slug -> (status, fixed title)
CATALOGUE: dict[str, tuple[int, str]] = {
    "malformed-request": (400, "Malformed request"),
    "unauthenticated": (401, "Unauthenticated"),
    "forbidden": (403, "Forbidden"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "conflict": (409, "Conflict"),
    "payload-too-large": (413, "Payload too large"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "validation-error": (422, "Validation error"),
    "unavailable": (503, "Service unavailable"),
    "internal": (500, "Internal error"),
}

RETRY_AFTER_SECONDS = 1


@dataclass
class Problem(Exception):
    """A domain error with its problem slug; raised anywhere, answered in one place."""

    slug: str
    detail: str
    errors: list[dict[str, str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.slug not in CATALOGUE:
            raise ValueError(f"unknown problem slug {self.slug!r}")
        super().__init__(self.detail)

    @property
    def status(self) -> int:
        return CATALOGUE[self.slug][0]


def unauthenticated(detail: str) -> Problem:
    return Problem("unauthenticated", detail, headers={"WWW-Authenticate": 'Bearer realm="keysmith"'})


def unavailable(detail: str = "The key store is busy or unreachable; retry shortly.") -> Problem:
    return Problem("unavailable", detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def not_found(detail: str = "No such API key.") -> Problem:
    return Problem("not-found", detail)


def problem_body(problem: Problem, instance: str, request_id: str) -> dict[str, Any]:
    status, title = CATALOGUE[problem.slug]
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + problem.slug,
        "title": title,
        "status": status,
        "detail": problem.detail,
        "instance": instance,
        "request_id": request_id,
    }
    if problem.errors is not None:
        body["errors"] = problem.errors
    return body


def problem_response(problem: Problem, instance: str, request_id: str) -> dict[str, Any]:
    """An API Gateway (payload 2.0) result carrying the problem."""
    headers = {"Content-Type": PROBLEM_CONTENT_TYPE, "X-Request-Id": request_id, **problem.headers}
    return {
        "statusCode": problem.status,
        "headers": headers,
        "body": json.dumps(problem_body(problem, instance, request_id), separators=(",", ":")),
        "isBase64Encoded": False,
    }


def request_id_of(event: dict[str, Any]) -> str:
    """API Gateway's request id (the correlation id of every log line), or a fresh one."""
    context = event.get("requestContext") or {}
    value = context.get("requestId") if isinstance(context, dict) else None
    return value if isinstance(value, str) and value else str(uuid.uuid4())
