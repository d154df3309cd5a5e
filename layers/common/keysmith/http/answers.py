"""What every function answers: the one JSON result shape, the one problem+json shape (RFC 9457),
the one mapping from an exception to the problem it is answered with, and the one mapping from
validation errors to the 400/422 problem. Both entries
(``function_entry`` and ``resolver_entry``) answer through here."""

from __future__ import annotations

import json
import uuid
from typing import Any

from keysmith.domain import policy
from keysmith.domain.ports import StoreUnavailable
from keysmith.domain.problems import CATALOGUE, TYPE_PREFIX, Problem, unavailable
from keysmith.logger import logger

PROBLEM_CONTENT_TYPE = "application/problem+json"
JSON_CONTENT_TYPE = "application/json"
NO_STORE = {"Cache-Control": "no-store"}


def request_id_of(event: dict[str, Any]) -> str:
    """API Gateway's request id (the correlation id of every log line), or a fresh one."""
    context = event.get("requestContext") or {}
    value = context.get("requestId") if isinstance(context, dict) else None
    return value if isinstance(value, str) and value else str(uuid.uuid4())


def problem_for(error: Exception) -> Problem:
    """The problem an exception is answered with, logged once: a ``Problem`` as itself, a store
    fault as 503 with Retry-After, anything else as 500 (with its traceback in the log)."""
    if isinstance(error, Problem):
        level = logger.warning if error.status >= 500 else logger.info
        level("request answered with a problem", slug=error.slug, status=error.status)
        return error
    if isinstance(error, StoreUnavailable):
        logger.warning("key store unavailable", error=str(error))
        return unavailable()
    logger.exception("unhandled error")
    return Problem("internal", "An internal error occurred; it has been logged.")


def json_text(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


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


def result(status: int, headers: dict[str, str], body: str) -> dict[str, Any]:
    """An API Gateway (payload 2.0) result."""
    return {"statusCode": status, "headers": headers, "body": body, "isBase64Encoded": False}


def json_result(
    status: int, body: Any, request_id: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A JSON answer."""
    return json_text_result(status, json_text(body), request_id, headers)


def json_text_result(
    status: int, text: str, request_id: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A JSON answer whose body is already JSON text."""
    all_headers = {"Content-Type": JSON_CONTENT_TYPE, "X-Request-Id": request_id, **(headers or {})}
    return result(status, all_headers, text)


def problem_result(problem: Problem, instance: str, request_id: str) -> dict[str, Any]:
    """A problem+json answer, with the problem's own headers (Retry-After, WWW-Authenticate, Allow)."""
    headers = {"Content-Type": PROBLEM_CONTENT_TYPE, "X-Request-Id": request_id, **problem.headers}
    body = json.dumps(problem_body(problem, instance, request_id), separators=(",", ":"))
    return result(problem.status, headers, body)


def scope_schema(allowed_scopes: tuple[str, ...]) -> dict[str, Any]:
    """The OpenAPI document's ``Scope``: the scopes a key may hold on this deploy."""
    return {
        "type": "string",
        "enum": policy.known_scopes(allowed_scopes),
        "description": "A scope: the deploy's allowed (product) scopes, which give no right on this API, "
        "and the management scopes keys:read (list and get keys) and keys:write (create and change keys).",
    }


def _pointer(parts: tuple[Any, ...]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return "Unknown field."
    if error.get("type") == "missing":
        return "Required."
    message = str(error.get("msg", "Invalid value."))
    return message.removeprefix("Value error, ")


def validation_problem(errors: list[dict[str, Any]]) -> Problem:
    """pydantic/Powertools validation errors as the API's 400 or 422 problem."""
    body_errors: list[dict[str, str]] = []
    query_errors: list[dict[str, str]] = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        where, rest = (loc[0], loc[1:]) if loc else ("body", ())
        if where == "body" and (error.get("type") == "json_invalid" or not rest or isinstance(rest[0], int)):
            return Problem("malformed-request", "The request body must be a JSON object.")
        entry = {"pointer": _pointer(tuple(rest)), "detail": _message(error)}
        (body_errors if where == "body" else query_errors).append(entry)
    if query_errors:
        return Problem("malformed-request", "A query parameter is not valid.", errors=query_errors)
    return Problem("validation-error", "The request body breaks a field rule.", errors=body_errors)
