"""A function's result turned into the HTTP response API Gateway sends (payload format 2.0)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from local.gateway.messages import HttpResponse


class InvalidLambdaResult(ValueError):
    """A function's result that API Gateway cannot turn into a response: it answers 500."""


def lambda_serialize(result: Any) -> Any:
    """The result as Lambda's runtime hands it on: through JSON (so a Decimal fails as it would)."""
    try:
        return json.loads(json.dumps(result))
    except (TypeError, ValueError) as error:
        raise InvalidLambdaResult(f"the function's result is not JSON serializable: {error}") from None


def to_http_response(result: Any, *, warn: Callable[[str], None] | None = None) -> HttpResponse:
    """The HTTP response API Gateway makes of a payload 2.0 function result.

    A dict with ``statusCode`` is a full response; anything else (a dict without it, a string, a
    list...) is a 200 ``application/json`` whose body is the result (a string as is, else its JSON).
    """
    result = lambda_serialize(result)
    if not (isinstance(result, dict) and "statusCode" in result):
        text = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, (("content-type", "application/json"),), text.encode())
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise InvalidLambdaResult(f"statusCode must be an HTTP status code, not {status!r}")
    headers: list[tuple[str, str]] = []
    raw_headers = result.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise InvalidLambdaResult("headers must be an object")
    for name, value in raw_headers.items():
        if isinstance(value, (dict, list)) or value is None:
            raise InvalidLambdaResult(f"header {name!r} must be a string, number or boolean")
        headers.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
    if result.get("multiValueHeaders") and warn is not None:
        warn("multiValueHeaders is a payload 1.0 field; API Gateway ignores it in 2.0 (use headers)")
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise InvalidLambdaResult("cookies must be a list of strings")
    headers.extend(("set-cookie", cookie) for cookie in cookies)
    body = result.get("body")
    if body is None:
        payload = b""
    elif not isinstance(body, str):
        raise InvalidLambdaResult("body must be a string in a response with a statusCode")
    elif result.get("isBase64Encoded") is True:
        try:
            payload = base64.b64decode(body, validate=True)
        except ValueError:
            raise InvalidLambdaResult("isBase64Encoded is true but body is not base64") from None
    else:
        payload = body.encode()
    return HttpResponse(status, tuple(headers), payload)
