"""The entry of the functions that need no resolver: POST /v1/verify, the Lambda authorizer and
GET /v1/whoami. Routing is one route per function, so each is a plain function of the event.

Standard library, the Powertools Logger and (through ``keysmith.wiring``) botocore: no web
framework, no pydantic, no PyJWT. A fresh-process test and an import contract both hold that line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from keysmith import wiring
from keysmith.auth.bearer import bearer_credential
from keysmith.domain.problems import unauthenticated
from keysmith.http.answers import NO_STORE, json_result, problem_for, problem_result, request_id_of
from keysmith.http.request_guard import REQUIRED_BODY, header, read_body
from keysmith.http.verify_body import parse_verify_request
from keysmith.http.views import authorizer_context, principal_from_context, verify_answer
from keysmith.logger import logger

Route = Callable[[dict[str, Any], str], dict[str, Any]]
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
DENY: dict[str, Any] = {"isAuthorized": False}


def http_context(event: dict[str, Any]) -> dict[str, Any]:
    """``requestContext.http`` of a payload 2.0 event (empty when absent)."""
    context = event.get("requestContext") or {}
    http = context.get("http") if isinstance(context, dict) else None
    return http if isinstance(http, dict) else {}


def begin_invocation(event: dict[str, Any], context: Any) -> None:
    """Each invocation logs with its own keys only: the state an earlier invocation left on the
    shared logger (another function's name, when several run in one process) is cleared first."""
    logger.clear_state()
    if context is not None:
        logger.append_keys(
            function_name=getattr(context, "function_name", None),
            function_request_id=getattr(context, "aws_request_id", None),
        )
    logger.set_correlation_id(request_id_of(event))


def entry(route: Route) -> Handler:
    """The Lambda entry point of a route: correlation id, X-Request-Id, and every exception
    answered through ``answers.problem_for``, as the resolver entry answers them."""

    def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        request_id = request_id_of(event)
        begin_invocation(event, context)
        try:
            return route(event, request_id)
        except Exception as error:
            return problem_result(problem_for(error), str(event.get("rawPath") or "/"), request_id)

    return handler


# --- POST /v1/verify -----------------------------------------------------------------------------------


def verify(event: dict[str, Any], request_id: str) -> dict[str, Any]:
    """The verdict on a key; 200 for every well-formed request, last-used recorded for VALID only."""
    request = parse_verify_request(read_body(event, REQUIRED_BODY) or {})
    verifier = wiring.verifier()
    http = http_context(event)
    client_ip = request.client_ip or http.get("sourceIp")
    user_agent = request.user_agent if request.user_agent is not None else http.get("userAgent")
    result = verifier.verify(
        request.key,
        request.required_scopes,
        request.environment_id,
        client_ip=client_ip,
        user_agent=user_agent,
        cost=request.cost,
    )
    if result.valid and result.record is not None:
        verifier.record_use(result.record, client_ip, user_agent)
    return json_result(200, verify_answer(result), request_id, NO_STORE)


# --- the Lambda authorizer ------------------------------------------------------------------------------


def credential_of(event: dict[str, Any]) -> str | None:
    """The key of ``Authorization: Bearer <key>``; the identity source when headers are absent."""
    value = header(event.get("headers"), "authorization")
    if value is None:
        sources = event.get("identitySource")
        value = sources[0] if isinstance(sources, list) and sources and isinstance(sources[0], str) else None
    return bearer_credential(value)


def authorize(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """A simple response: allowed with the key's context, or denied. A store fault raises, so API
    Gateway answers 500 and the request is never let through."""
    begin_invocation(event, context)
    verifier = wiring.verifier()
    http = http_context(event)
    result = verifier.verify(
        credential_of(event), client_ip=http.get("sourceIp"), user_agent=http.get("userAgent")
    )
    record = result.record
    if not result.valid or record is None:
        logger.info("authorizer denied", code=result.code)
        return DENY
    verifier.record_use(record, http.get("sourceIp"), http.get("userAgent"))
    return {"isAuthorized": True, "context": authorizer_context(record)}


# --- GET /v1/whoami -------------------------------------------------------------------------------------


def whoami(event: dict[str, Any], request_id: str) -> dict[str, Any]:
    """The key's principal as the authorizer passed it on; no store access."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    context = authorizer.get("lambda") if isinstance(authorizer, dict) else None
    if not isinstance(context, dict) or not context.get("key_id"):
        # Only when the route is wired without the authorizer: refuse rather than guess.
        raise unauthenticated("An API key is required (Authorization: Bearer <key>).")
    return json_result(200, principal_from_context(context), request_id, NO_STORE)
