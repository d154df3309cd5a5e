"""The plumbing of the lean handlers (POST /v1/verify, the Lambda authorizer, GET /v1/whoami):
the verify body read by hand, the answers' shapes, and the Lambda entry point with the same
problem rules (413, 415, 400, 422, 503, 500) as the management API's resolver.

Standard library, the Powertools Logger, botocore: no web framework, no pydantic, no PyJWT. A unit
test imports the lean handlers in a fresh process and checks that nothing heavier comes along.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from keysmith import clock
from keysmith.logs import logger
from keysmith.problems import Problem, problem_response, request_id_of, unavailable
from keysmith.records import KeyRecord
from keysmith.settings import SCOPE_PATTERN
from keysmith.store import StoreUnavailable
from keysmith.verification import Verification

MAX_REQUIRED_SCOPES = 64
_VERIFY_FIELDS = frozenset({"key", "required_scopes", "environment_id", "client_ip", "user_agent"})
_JSON_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}

LeanHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


# --- POST /v1/verify: the body --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyRequest:
    key: str
    required_scopes: tuple[str, ...] = ()
    environment_id: str | None = None
    client_ip: str | None = None
    user_agent: str | None = None


def _error(errors: list[dict[str, str]], pointer: str, detail: str) -> None:
    errors.append({"pointer": pointer, "detail": detail})


def parse_verify_request(body: dict[str, Any]) -> VerifyRequest:
    """The verify body's field rules; every broken rule is one ``errors`` entry of a 422.

    ``key`` is any string (a string that is not a key is answered ``MALFORMED``, not refused);
    the optional fields accept null as absent.
    """
    errors: list[dict[str, str]] = []
    for name in body:
        if name not in _VERIFY_FIELDS:
            _error(errors, "/" + name.replace("~", "~0").replace("/", "~1"), "Unknown field.")
    key = body.get("key")
    if "key" not in body:
        _error(errors, "/key", "Required.")
    elif not isinstance(key, str):
        _error(errors, "/key", "Must be a string.")
    scopes = body.get("required_scopes")
    if scopes is not None:
        if not isinstance(scopes, list):
            _error(errors, "/required_scopes", "Must be an array of scope names.")
        elif len(scopes) > MAX_REQUIRED_SCOPES:
            _error(errors, "/required_scopes", f"At most {MAX_REQUIRED_SCOPES} scopes.")
        else:
            for i, scope in enumerate(scopes):
                if not isinstance(scope, str) or not SCOPE_PATTERN.fullmatch(scope):
                    _error(
                        errors,
                        f"/required_scopes/{i}",
                        "Must be a scope name: 1-64 letters, digits and _ . : - (not first).",
                    )
    environment_id = body.get("environment_id")
    from keysmith.principals import IDENTIFIER  # here: the authorizer imports this module and never needs it

    if environment_id is not None and (
        not isinstance(environment_id, str) or not IDENTIFIER.fullmatch(environment_id)
    ):
        _error(
            errors,
            "/environment_id",
            "Must be 1-128 characters: letters, digits and . _ : @ | + = - (not first).",
        )
    client_ip = body.get("client_ip")
    if client_ip is not None:
        try:
            client_ip = str(ipaddress.ip_address(client_ip if isinstance(client_ip, str) else ""))
        except ValueError:
            _error(errors, "/client_ip", "Must be an IPv4 or IPv6 address.")
    user_agent = body.get("user_agent")
    if user_agent is not None and not isinstance(user_agent, str):
        _error(errors, "/user_agent", "Must be a string.")
    if errors:
        raise Problem("validation-error", "The request body breaks a field rule.", errors=errors)
    return VerifyRequest(
        key=str(key),
        required_scopes=tuple(scopes or ()),
        environment_id=environment_id,
        client_ip=client_ip,
        user_agent=user_agent,
    )


# --- the answers --------------------------------------------------------------------------------------


def verify_answer(result: Verification) -> dict[str, Any]:
    """``{"valid": true, "code": "VALID", "key": {...}}`` or ``{"valid": false, "code": C}``."""
    record = result.record
    if not result.valid or record is None:
        return {"valid": False, "code": result.code}
    return {
        "valid": True,
        "code": result.code,
        "key": {
            "id": record.id,
            "tenant_id": record.tenant_id,
            "owner": {"type": record.owner_type, "id": record.owner_id},
            "scopes": list(record.scopes),
            "environment_id": record.environment_id,
            "expires_at": None if record.expires_at is None else clock.rfc3339(record.expires_at),
            "metadata": dict(record.metadata),
        },
    }


def authorizer_context(record: KeyRecord) -> dict[str, str]:
    """The simple response's context: strings only (API Gateway's rule), so the scopes are
    space-separated and a tenant-wide key's environment_id is the empty string."""
    return {
        "key_id": record.id,
        "tenant_id": record.tenant_id,
        "owner_type": record.owner_type,
        "owner_id": record.owner_id,
        "scopes": " ".join(record.scopes),
        "environment_id": record.environment_id or "",
    }


def principal_from_context(context: dict[str, Any]) -> dict[str, Any]:
    """GET /v1/whoami's answer from the authorizer's context (the inverse of ``authorizer_context``)."""
    environment_id = str(context.get("environment_id") or "")
    return {
        "key_id": str(context["key_id"]),
        "tenant_id": str(context["tenant_id"]),
        "owner": {"type": str(context["owner_type"]), "id": str(context["owner_id"])},
        "scopes": str(context.get("scopes") or "").split(),
        "environment_id": environment_id or None,
    }


def json_result(status: int, body: Any, request_id: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {**_JSON_HEADERS, "X-Request-Id": request_id},
        "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        "isBase64Encoded": False,
    }


def http_context(event: dict[str, Any]) -> dict[str, Any]:
    """``requestContext.http`` of a payload 2.0 event (empty when absent)."""
    context = event.get("requestContext") or {}
    http = context.get("http") if isinstance(context, dict) else None
    return http if isinstance(http, dict) else {}


# --- the entry point ------------------------------------------------------------------------------------


def lean_http_handler(route: Callable[[dict[str, Any], str], dict[str, Any]]) -> LeanHandler:
    """The Lambda entry point of a lean HTTP route: correlation id, X-Request-Id, and problems
    answered in one place (``Problem`` as itself, a store fault as 503, anything else as 500)."""

    def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        request_id = request_id_of(event)
        logger.set_correlation_id(request_id)
        try:
            return route(event, request_id)
        except Problem as problem:
            level = logger.warning if problem.status >= 500 else logger.info
            level("request answered with a problem", slug=problem.slug, status=problem.status)
            failure = problem
        except StoreUnavailable as error:
            logger.warning("key store unavailable", error=str(error))
            failure = unavailable()
        except Exception:
            logger.exception("unhandled error")
            failure = Problem("internal", "An internal error occurred; it has been logged.")
        return problem_response(failure, str(event.get("rawPath") or "/"), request_id)

    return handler
