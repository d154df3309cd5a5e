"""The request guard every function shares: body size (413), media type (415) and JSON (400), and
the one header lookup. The management entry asks for the size first and the rest after the
credential and the route's rights (the order of checks: 413, 401, 403/404, then 415/400/422).

Standard library only: ``POST /v1/verify`` (``keysmith.http.function_entry``) uses it as well as the
management API's resolver (``keysmith.http.resolver_entry``), so there is one copy of these rules.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from keysmith.domain.problems import Problem

MAX_BODY_BYTES = 16 * 1024
MAX_JSON_DEPTH = 32
NO_BODY, OPTIONAL_BODY, REQUIRED_BODY = "none", "optional", "required"


def _depth(value: Any, limit: int) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    """A request header by name, in any case (API Gateway payload 2.0 lower-cases them)."""
    if not headers:
        return None
    wanted = name.lower()
    value = headers.get(wanted)
    if value is None:
        value = next((v for k, v in headers.items() if str(k).lower() == wanted), None)
    return None if value is None else str(value)


def _body_bytes(event: dict[str, Any]) -> bytes:
    """The body as sent (base64 decoded), after the 413 rule."""
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise Problem("malformed-request", "The request body is not valid base64.") from None
    else:
        data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else b""
    if len(data) > MAX_BODY_BYTES:
        raise Problem("payload-too-large", f"The request body is over {MAX_BODY_BYTES} bytes.")
    return data


def size_problem(event: dict[str, Any]) -> Problem | None:
    """413 for a body over the limit, else None (the first check of every route)."""
    try:
        _body_bytes(event)
    except Problem as problem:
        return problem if problem.status == 413 else None
    return None


def read_body(event: dict[str, Any], body_rule: str) -> dict[str, Any] | None:
    """The request's JSON object, after the 413, 415 and 400 rules (raised as ``Problem``).

    None when the route takes no body, or takes an optional one and got none. On success the event's
    body is left as plain UTF-8 JSON text (base64 decoded), as the resolver expects.
    """
    data = _body_bytes(event)
    if body_rule == NO_BODY or (body_rule == OPTIONAL_BODY and not data.strip()):
        return None
    media_type = (header(event.get("headers"), "content-type") or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise Problem("unsupported-media-type", "Send the body as JSON with Content-Type: application/json.")
    try:
        text = data.decode("utf-8")
        parsed = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Problem("malformed-request", "The request body is not valid UTF-8 JSON.") from None
    if not isinstance(parsed, dict):
        raise Problem("malformed-request", "The request body must be a JSON object.")
    if _depth(parsed, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise Problem("malformed-request", f"The request body nests deeper than {MAX_JSON_DEPTH} levels.")
    event["body"] = text
    event["isBase64Encoded"] = False
    return parsed


def guard_request(event: dict[str, Any], body_rule: str) -> Problem | None:
    """``read_body`` for the resolver: the problem to answer before routing, or None."""
    try:
        read_body(event, body_rule)
    except Problem as problem:
        return problem
    return None
