"""The HTTP plumbing every management function shares: the resolver with its error mapping, the
request guard (size, media type, JSON: defined in ``keysmith.requests``, which the lean verify
handler shares), the principal, and the Lambda entry point.

A handler module is a route and a call::

    router = APIGatewayHttpRouter()

    @router.get("/v1/api-keys/<id>")
    def get_key(id: str) -> Response: ...

    handler = lambda_handler(router)
"""

from __future__ import annotations

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
from keysmith.requests import MAX_BODY_BYTES as MAX_BODY_BYTES  # re-exported for the handlers
from keysmith.requests import NO_BODY as NO_BODY
from keysmith.requests import OPTIONAL_BODY as OPTIONAL_BODY
from keysmith.requests import REQUIRED_BODY as REQUIRED_BODY
from keysmith.requests import guard_request as guard_request
from keysmith.runtime import get_runtime
from keysmith.store import StoreUnavailable

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
