"""Keysmith's problem+json answers as exceptions, one class per problem family.

Every error the API sends is ``application/problem+json`` with a ``type`` of
``urn:keysmith:problem:<slug>``. :func:`error_from_response` turns one into the exception of its slug
(``not-found`` becomes :class:`NotFound`, ...). Answers that are not problem+json (API Gateway's own
``{"message": "Forbidden"}`` for a refused signature, ``Too Many Requests`` when throttled) are
classified by their status code alone, with ``slug`` None.
"""

from __future__ import annotations

import json
from typing import Any

PROBLEM_TYPE_PREFIX = "urn:keysmith:problem:"


class KeysmithError(Exception):
    """Any failure of a Keysmith call; ``status`` is None when no HTTP answer arrived."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        slug: str | None = None,
        title: str | None = None,
        detail: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors: list[dict[str, Any]] = list(errors or [])
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body


class ConnectionFailed(KeysmithError):
    """No answer: the connection failed or timed out (after the retries that were safe)."""


class ClientError(KeysmithError):
    """A 4xx answer: the request was refused; sending it again unchanged will not help."""


class MalformedRequest(ClientError):
    """400 ``malformed-request``: body not JSON, bad cursor, bad query or header syntax."""


class Unauthenticated(ClientError):
    """401 ``unauthenticated``: missing, expired, unknown, suspended or revoked credential."""


class Forbidden(ClientError):
    """403 ``forbidden`` (or API Gateway's 403 for a refused signature or key)."""


class NotFound(ClientError):
    """404 ``not-found``: no such key for this caller, or no such route."""


class MethodNotAllowed(ClientError):
    """405 ``method-not-allowed``."""


class Conflict(ClientError):
    """409 ``conflict``: the action is not available in the key's current status."""


class PayloadTooLarge(ClientError):
    """413 ``payload-too-large``."""


class UnsupportedMediaType(ClientError):
    """415 ``unsupported-media-type``."""


class ValidationError(ClientError):
    """422 ``validation-error``; ``errors`` holds one ``{"pointer", "detail"}`` per broken rule."""


class TooManyRequests(ClientError):
    """429: API Gateway's throttling (retried like a 503 before it is raised)."""


class ServerError(KeysmithError):
    """A 5xx answer: the service failed; the same request may succeed later."""


class Unavailable(ServerError):
    """503 ``unavailable``: the key store throttled or failed; ``retry_after`` says when to come back."""


class InternalError(ServerError):
    """500 ``internal``."""


ERROR_BY_SLUG: dict[str, type[KeysmithError]] = {
    "malformed-request": MalformedRequest,
    "unauthenticated": Unauthenticated,
    "forbidden": Forbidden,
    "not-found": NotFound,
    "method-not-allowed": MethodNotAllowed,
    "conflict": Conflict,
    "payload-too-large": PayloadTooLarge,
    "unsupported-media-type": UnsupportedMediaType,
    "validation-error": ValidationError,
    "unavailable": Unavailable,
    "internal": InternalError,
}

ERROR_BY_STATUS: dict[int, type[KeysmithError]] = {
    400: MalformedRequest,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: ValidationError,
    429: TooManyRequests,
    500: InternalError,
    503: Unavailable,
}


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_from_response(
    status: int, headers: dict[str, str] | Any, content: bytes, method: str, path: str
) -> KeysmithError:
    """The typed exception for an error answer (``headers`` is any case-insensitive mapping)."""
    body: Any = None
    try:
        body = json.loads(content.decode("utf-8")) if content else None
    except (UnicodeDecodeError, ValueError):
        body = None
    problem = body if isinstance(body, dict) else {}
    problem_type = problem.get("type")
    slug = None
    if isinstance(problem_type, str) and problem_type.startswith(PROBLEM_TYPE_PREFIX):
        slug = problem_type.removeprefix(PROBLEM_TYPE_PREFIX)
    cls = ERROR_BY_SLUG.get(slug or "") or ERROR_BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else ClientError
    title = _text(problem.get("title")) or _text(problem.get("message"))
    detail = _text(problem.get("detail"))
    listed = problem.get("errors")
    errors: list[Any] = listed if isinstance(listed, list) else []
    request_id = _text(problem.get("request_id")) or headers.get("X-Request-Id")
    what = f"{title or 'HTTP ' + str(status)}"
    message = f"{method} {path}: {status} {what}" + (f": {detail}" if detail else "")
    return cls(
        message,
        status=status,
        slug=slug,
        title=title,
        detail=detail,
        errors=[e for e in errors if isinstance(e, dict)],
        request_id=request_id,
        retry_after=parse_retry_after(headers.get("Retry-After")),
        body=body,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
