"""The HTTP plumbing every management function shares: the resolver with its error mapping, the
request guard (size, media type, JSON), the principal, and the Lambda entry point.

A handler module is a route and a call::

    router = APIGatewayHttpRouter()

    @router.get("/v1/api-keys/<id>")
    def get_key(id: str) -> Response: ...

    handler = lambda_handler(router)
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from keysmith import clock
from keysmith.authn import authenticate
from keysmith.models import ProblemDetails, json_content
from keysmith.observability import logger, metrics, tracer
from keysmith.principals import Principal
from keysmith.problems import (
    PROBLEM_CONTENT_TYPE,
    Problem,
    problem_body,
    problem_response,
    request_id_of,
    unavailable,
)
from keysmith.records import KeyRecord, to_api
from keysmith.runtime import get_runtime
from keysmith.store import StoreUnavailable

MAX_BODY_BYTES = 16 * 1024
MAX_JSON_DEPTH = 32
NO_BODY, OPTIONAL_BODY, REQUIRED_BODY = "none", "optional", "required"

PROBLEM_STATUSES = {
    400: "Malformed request (not JSON, not an object, bad cursor or query).",
    401: "Missing or invalid credential.",
    403: "The credential lacks the right.",
    404: "No such key for this caller.",
    409: "The action is not available in the key's current status.",
    413: "Body over 16 KiB.",
    415: "Body without Content-Type: application/json.",
    422: "A field breaks a rule; see errors.",
    503: "The store throttled or failed; retry after Retry-After seconds.",
}


def problem_responses(*statuses: int) -> dict[int, OpenAPIResponse]:
    """OpenAPI ``responses`` entries for the problem answers a route can give."""
    return {
        status: {
            "description": PROBLEM_STATUSES[status],
            "content": json_content(ProblemDetails, PROBLEM_CONTENT_TYPE),
        }
        for status in statuses
    }


def new_router() -> APIGatewayHttpRouter:
    """The router a management function declares its one route on."""
    router: APIGatewayHttpRouter = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]
    return router


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        headers=headers or {},
    )


def key_response(record: KeyRecord, status: int = 200, plaintext: str | None = None) -> Response[str]:
    body = to_api(record, clock.now())
    if plaintext is not None:
        body["key"] = plaintext
    return json_response(status, body)


# --- errors, mapped in one place ---------------------------------------------------------------


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


def _problem_response(app: APIGatewayHttpResolver, problem: Problem) -> Response[str]:
    event = app.current_event
    body = problem_body(problem, event.raw_path or event.path, request_id_of(event.raw_event))
    level = logger.warning if problem.status >= 500 else logger.info
    level("request answered with a problem", slug=problem.slug, status=problem.status)
    return Response(
        status_code=problem.status,
        content_type=PROBLEM_CONTENT_TYPE,
        body=json.dumps(body, separators=(",", ":")),
        headers=dict(problem.headers),
    )


def create_app(router: APIGatewayHttpRouter) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    app.include_router(router)

    @app.exception_handler(Problem)  # type: ignore[untyped-decorator]
    def _problem(problem: Problem) -> Response[str]:
        return _problem_response(app, problem)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid(error: RequestValidationError) -> Response[str]:
        return _problem_response(app, validation_problem(list(error.errors())))

    @app.exception_handler(StoreUnavailable)  # type: ignore[untyped-decorator]
    def _store(error: StoreUnavailable) -> Response[str]:
        logger.warning("key store unavailable", error=str(error))
        return _problem_response(app, unavailable())

    @app.not_found
    def _not_found(_: Exception) -> Response[str]:
        return _problem_response(app, Problem("not-found", "No such resource."))

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def _internal(error: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return _problem_response(app, Problem("internal", "An internal error occurred; it has been logged."))

    return app


# --- the request guard and the Lambda entry point --------------------------------------------


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


def guard_request(event: dict[str, Any], body_rule: str) -> Problem | None:
    """413, 415 and 400 before any routing; on success the event body is plain UTF-8 JSON text."""
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            return Problem("malformed-request", "The request body is not valid base64.")
    else:
        data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else b""
    if len(data) > MAX_BODY_BYTES:
        return Problem("payload-too-large", f"The request body is over {MAX_BODY_BYTES} bytes.")
    if body_rule == NO_BODY or (body_rule == OPTIONAL_BODY and not data.strip()):
        return None
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    media_type = str(headers.get("content-type", "")).split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        return Problem("unsupported-media-type", "Send the body as JSON with Content-Type: application/json.")
    try:
        text = data.decode("utf-8")
        parsed = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Problem("malformed-request", "The request body is not valid UTF-8 JSON.")
    if not isinstance(parsed, dict):
        return Problem("malformed-request", "The request body must be a JSON object.")
    if _depth(parsed, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        return Problem("malformed-request", f"The request body nests deeper than {MAX_JSON_DEPTH} levels.")
    event["body"] = text
    event["isBase64Encoded"] = False
    return None


class _Context:
    function_name = "keysmith"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:local:000000000000:function:keysmith"
    aws_request_id = "local"


def lambda_handler(
    router: APIGatewayHttpRouter, *, body: str = NO_BODY, secret: bool = False, metric: str | None = None
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda entry point of one management route."""
    app = create_app(router)

    @tracer.capture_lambda_handler(capture_response=False, capture_error=False)
    @metrics.log_metrics(raise_on_empty_metrics=False)
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
    def entry(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request_id = request_id_of(event)
        problem = guard_request(event, body)
        if problem is not None:
            path = str(event.get("rawPath") or "/")
            logger.info("request refused before routing", slug=problem.slug, status=problem.status)
            result = problem_response(problem, path, request_id)
        else:
            result = app.resolve(event, context)
        headers = result.setdefault("headers", {})
        headers["X-Request-Id"] = request_id
        if secret:
            headers["Cache-Control"] = "no-store"
        status = int(result.get("statusCode", 200))
        if metric and status < 300:
            metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
        return result

    def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        result: dict[str, Any] = entry(event, context if context is not None else _Context())
        return result

    handler.app = app  # type: ignore[attr-defined]
    return handler


def current_principal(router: APIGatewayHttpRouter) -> Principal:
    """Authenticate the current request (one read for an API key, none for a session)."""
    event = router.current_event
    http = event.request_context.http
    return authenticate(get_runtime(), event.headers or {}, http.source_ip, http.user_agent)
