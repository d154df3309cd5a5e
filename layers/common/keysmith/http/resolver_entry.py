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
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler import Response as Response  # re-exported for the handlers
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body as Body
from aws_lambda_powertools.event_handler.openapi.params import Header as Header
from aws_lambda_powertools.event_handler.openapi.params import Query as Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from keysmith import wiring
from keysmith.auth.credentials import authenticate
from keysmith.auth.trusted_backend import ACT_AS_HEADER, TENANT_HEADER, iam_caller, trusted_backend
from keysmith.domain.api_key import KeyRecord
from keysmith.domain.audit import Origin, request_origin
from keysmith.domain.principals import Principal
from keysmith.domain.problems import Problem, not_found
from keysmith.http.answers import (
    JSON_CONTENT_TYPE,
    NO_STORE,
    PROBLEM_CONTENT_TYPE,
    json_text,
    problem_body,
    problem_for,
    problem_result,
    request_id_of,
    validation_problem,
)
from keysmith.http.request_guard import MAX_BODY_BYTES as MAX_BODY_BYTES  # re-exported for the handlers
from keysmith.http.request_guard import NO_BODY as NO_BODY
from keysmith.http.request_guard import OPTIONAL_BODY as OPTIONAL_BODY
from keysmith.http.request_guard import REQUIRED_BODY as REQUIRED_BODY
from keysmith.http.request_guard import guard_request, header, size_problem
from keysmith.http.views import to_api
from keysmith.logger import logger

metrics = Metrics(namespace="Keysmith", service="keysmith")

# A refused request records no business metric; that is expected, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


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


# --- errors, mapped in one place (``answers``) ------------------------------------------------


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


Rights = Callable[[Principal], None]  # raises the route's 403 (``keysmith.domain.policy``)
_BODY_STATUSES = frozenset({400, 415, 422})
_principal: ContextVar[Principal | None] = ContextVar("keysmith_principal", default=None)


def _authenticate(event: dict[str, Any]) -> Principal:
    """On the internal API the IAM caller as a trusted backend (no read), else the Bearer credential
    (one read for an API key, none for a session)."""
    headers = event.get("headers")
    arn = iam_caller(event)
    if arn is not None:
        return trusted_backend(arn, header(headers, TENANT_HEADER), header(headers, ACT_AS_HEADER))
    http = (event.get("requestContext") or {}).get("http") or {}
    return authenticate(header(headers, "authorization"), http.get("sourceIp"), http.get("userAgent"))


def _origin(event: dict[str, Any], request_id: str) -> Origin:
    """Where the request came from, for its audit event (as the gateway saw it)."""
    http = (event.get("requestContext") or {}).get("http") or {}
    return Origin(http.get("sourceIp") or None, http.get("userAgent") or None, request_id)


def _checked_in_order(
    event: dict[str, Any], body: str, rights: Rights
) -> tuple[Principal | None, Problem | None]:
    """The order of checks before routing: body size (413), credential (401), the route's rights
    (403), media type and JSON (415, 400). The principal (once known) and the first problem."""
    problem = size_problem(event)
    if problem is not None:
        return None, problem
    try:
        principal = _authenticate(event)
    except Exception as error:  # 401, or 503 when the store failed during authentication
        return None, problem_for(error)
    try:
        rights(principal)
    except Problem as refused:
        return principal, refused
    return principal, guard_request(event, body)


def _not_found_first(event: dict[str, Any], principal: Principal) -> Problem | None:
    """A body refused (400, 415, 422) on a key the caller may not see answers that key's 404
    instead: rights come before the body (one read, on refused requests only)."""
    key_id = (event.get("pathParameters") or {}).get("id")
    if key_id is None or wiring.key_query().visible(principal, str(key_id)):
        return None
    return not_found()


def lambda_handler(
    router: APIGatewayHttpRouter,
    *,
    rights: Rights,
    body: str = NO_BODY,
    secret: bool = False,
    metric: str | None = None,
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda entry point of one management route; ``rights`` is the route's 403 check."""
    app = create_app(router)

    @metrics.log_metrics(raise_on_empty_metrics=False)
    @logger.inject_lambda_context(
        correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False, clear_state=True
    )
    def entry(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request_id = request_id_of(event)
        path = str(event.get("rawPath") or "/")
        principal, problem = _checked_in_order(event, body, rights)
        if problem is not None:
            if principal is not None and problem.status in _BODY_STATUSES:
                problem = _not_found_first(event, principal) or problem
            logger.info("request refused before routing", slug=problem.slug, status=problem.status)
            result = problem_result(problem, path, request_id)
        else:
            assert principal is not None
            token = _principal.set(principal)
            try:
                with request_origin(_origin(event, request_id)):
                    result = app.resolve(event, context)
            finally:
                _principal.reset(token)
            if int(result.get("statusCode", 200)) in _BODY_STATUSES:
                hidden = _not_found_first(event, principal)
                if hidden is not None:
                    result = problem_result(hidden, path, request_id)
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
    """The current request's caller, authenticated once by the entry before routing (one read for
    an API key, none for a session)."""
    principal = _principal.get()
    if principal is None:
        principal = _authenticate(router.current_event.raw_event)
    return principal
