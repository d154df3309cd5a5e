"""The entry of the management functions: Powertools' resolver (the only module that imports it),
with Metrics, the request guard before routing (``request_guard``, shared with
``function_entry``), the caller's principal (``current_principal``: the one place a management
route learns who calls, on either API), and every exception answered through
``answers.problem_for``. Traces are Lambda's own (active tracing): no X-Ray SDK in the process.

A handler module is a route and a call, and imports the resolver's names from here::

    router = new_router()

    @router.get("/v1/api-keys/<id>", **route_doc("Get an API key", "getApiKey", {200: ...}, 401, 404))
    def get_key(id: str) -> Response[str]:
        return key_response(wiring.key_query().get(current_principal(router), id))

    handler = lambda_handler(router)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler import Response as Response  # re-exported for the handlers
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body as Body
from aws_lambda_powertools.event_handler.openapi.params import Header as Header
from aws_lambda_powertools.event_handler.openapi.params import Query as Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from keysmith import wiring
from keysmith.auth.credentials import authenticate
from keysmith.auth.trusted_backend import ACT_AS_HEADER, TENANT_HEADER, iam_caller, trusted_backend
from keysmith.domain.api_key import KeyRecord
from keysmith.domain.principals import Principal
from keysmith.domain.problems import Problem
from keysmith.http.answers import (
    JSON_CONTENT_TYPE,
    NO_STORE,
    PROBLEM_CONTENT_TYPE,
    json_text,
    problem_body,
    problem_for,
    problem_result,
    request_id_of,
)
from keysmith.http.request_guard import MAX_BODY_BYTES as MAX_BODY_BYTES  # re-exported for the handlers
from keysmith.http.request_guard import NO_BODY as NO_BODY
from keysmith.http.request_guard import OPTIONAL_BODY as OPTIONAL_BODY
from keysmith.http.request_guard import REQUIRED_BODY as REQUIRED_BODY
from keysmith.http.request_guard import guard_request, header
from keysmith.http.schemas import ApiKey, ProblemDetails, json_content
from keysmith.http.views import to_api
from keysmith.logger import logger

metrics = Metrics(namespace="Keysmith", service="keysmith")

# A refused request records no business metric; that is expected, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

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


def answer(description: str, model: Any = ApiKey) -> OpenAPIResponse:
    """An OpenAPI ``responses`` entry for a JSON answer (by default an ApiKey)."""
    return {"description": description, "content": json_content(model)}


def route_doc(
    summary: str,
    operation_id: str,
    answers: dict[int, OpenAPIResponse],
    *problem_statuses: int,
    description: str | None = None,
) -> dict[str, Any]:
    """The OpenAPI details of a route, for its decorator: ``@router.get(path, **route_doc(...))``."""
    doc: dict[str, Any] = {"summary": summary, "operation_id": operation_id, "tags": ["api-keys"]}
    if description is not None:
        doc["description"] = description
    doc["responses"] = {**answers, **problem_responses(*problem_statuses)}
    return doc


def state_change_doc(summary: str, operation_id: str, done: str) -> dict[str, Any]:
    """``route_doc`` of suspend, activate and revoke: the key as it is now, or 409 by its status."""
    return route_doc(
        summary,
        operation_id,
        {200: answer(f"{done}: the key as it is now.")},
        401,
        403,
        404,
        409,
        503,
        description="409 `conflict` when the key's status does not allow it (see `available_actions`).",
    )


def new_router() -> APIGatewayHttpRouter:
    """The router a management function declares its one route on."""
    router: APIGatewayHttpRouter = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]
    return router


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status, content_type=JSON_CONTENT_TYPE, body=json_text(body), headers=headers or {}
    )


def key_response(record: KeyRecord, status: int = 200, plaintext: str | None = None) -> Response[str]:
    body = to_api(record, wiring.now())
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


def _problem_response(app: APIGatewayHttpResolver, error: Exception) -> Response[str]:
    problem = problem_for(error)
    event = app.current_event
    body = problem_body(problem, event.raw_path or event.path, request_id_of(event.raw_event))
    return Response(
        status_code=problem.status,
        content_type=PROBLEM_CONTENT_TYPE,
        body=json_text(body),
        headers=dict(problem.headers),
    )


def create_app(router: APIGatewayHttpRouter) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    app.include_router(router)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid(error: RequestValidationError) -> Response[str]:
        return _problem_response(app, validation_problem(list(error.errors())))

    @app.not_found
    def _not_found(_: Exception) -> Response[str]:
        return _problem_response(app, Problem("not-found", "No such resource."))

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def _any(error: Exception) -> Response[str]:
        return _problem_response(app, error)

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

    @metrics.log_metrics(raise_on_empty_metrics=False)
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False)
    def entry(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request_id = request_id_of(event)
        problem = guard_request(event, body)
        if problem is not None:
            path = str(event.get("rawPath") or "/")
            logger.info("request refused before routing", slug=problem.slug, status=problem.status)
            result = problem_result(problem, path, request_id)
        else:
            result = app.resolve(event, context)
        headers = result.setdefault("headers", {})
        headers["X-Request-Id"] = request_id
        if secret:
            headers.update(NO_STORE)
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
    """The caller of the current request: on the internal API the IAM caller as a trusted backend
    (no read), else its Bearer credential (one read for an API key, none for a session)."""
    event = router.current_event
    arn = iam_caller(event.raw_event)
    if arn is not None:
        headers = event.headers
        return trusted_backend(arn, header(headers, TENANT_HEADER), header(headers, ACT_AS_HEADER))
    http = event.request_context.http
    return authenticate(header(event.headers, "authorization"), http.source_ip, http.user_agent)
