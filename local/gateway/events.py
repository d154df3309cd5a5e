"""The events API Gateway sends a function (HTTP API, payload format 2.0) for a matched route:
the integration event, and the Lambda authorizer's REQUEST event with its simple response read back.

``api_id`` tells which API the request came through (``requestContext.apiId``); on an AWS_IAM route
``requestContext.authorizer.iam`` holds the caller, locally always ``local_iam_identity()``: no
signature is checked, and every request is made as that one operator.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from local.gateway.messages import HttpRequest
from local.gateway.responses import InvalidLambdaResult
from local.gateway.routes import PUBLIC_API_ID, RouteMatch

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
STAGE = "$default"
LOCAL_OPERATOR_ARN = f"arn:aws:iam::{ACCOUNT_ID}:user/local-operator"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_request_time(epoch_ms: int) -> str:
    """``timeEpoch`` as ``requestContext.time`` shows it: ``12/Mar/2020:19:03:58 +0000``."""
    t = time.gmtime(epoch_ms / 1000)
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:" + time.strftime("%H:%M:%S +0000", t)


def _headers_and_cookies(request: HttpRequest) -> tuple[dict[str, str], list[str]]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip
    host = headers.get("host", "127.0.0.1")
    port = host.rpartition(":")[2] if ":" in host else "80"
    headers.setdefault("x-forwarded-port", port)
    headers.setdefault("x-forwarded-proto", "http")
    headers.setdefault("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}")
    return headers, cookies


def _query_parameters(raw_query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    return params


def _request_context(
    request: HttpRequest,
    headers: Mapping[str, str],
    route_key: str,
    request_id: str,
    epoch_ms: int,
    api_id: str,
) -> dict[str, Any]:
    domain = headers.get("host", "127.0.0.1").rpartition(":")[0] or headers.get("host", "127.0.0.1")
    return {
        "accountId": ACCOUNT_ID,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".")[0],
        "http": {
            "method": request.method,
            "path": request.raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": STAGE,
        "time": format_request_time(epoch_ms),
        "timeEpoch": epoch_ms,
    }


def _common(
    request: HttpRequest, match: RouteMatch, request_id: str, epoch_ms: int | None, api_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    epoch_ms = int(time.time() * 1000) if epoch_ms is None else epoch_ms
    headers, cookies = _headers_and_cookies(request)
    route_key = match.route.route_key
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = _query_parameters(request.raw_query)
    if query:
        event["queryStringParameters"] = query
    context = _request_context(request, headers, route_key, request_id, epoch_ms, api_id)
    return event, context


def local_iam_identity() -> dict[str, Any]:
    """What ``requestContext.authorizer.iam`` holds on an AWS_IAM route: locally, a fixed caller."""
    return {
        "accessKey": "ASIALOCALLOCALLOCAL0",
        "accountId": ACCOUNT_ID,
        "callerId": "AIDALOCALLOCALLOCAL0",
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": LOCAL_OPERATOR_ARN,
        "userId": "AIDALOCALLOCALLOCAL0",
    }


def build_event(
    request: HttpRequest,
    match: RouteMatch,
    *,
    request_id: str,
    api_id: str = PUBLIC_API_ID,
    authorizer_context: Mapping[str, Any] | None = None,
    epoch_ms: int | None = None,
) -> dict[str, Any]:
    """The integration event API Gateway sends the route's function (payload format 2.0)."""
    event, context = _common(request, match, request_id, epoch_ms, api_id)
    if authorizer_context is not None:
        context["authorizer"] = {"lambda": dict(authorizer_context)}
    elif match.route.iam:
        context["authorizer"] = {"iam": local_iam_identity()}
    event["requestContext"] = context
    if match.path_parameters:
        event["pathParameters"] = dict(match.path_parameters)
    if request.body:
        try:
            event["body"] = request.body.decode("utf-8")
            event["isBase64Encoded"] = False
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def identity_values(request: HttpRequest, identity_sources: Sequence[str]) -> list[str] | None:
    """The values of the authorizer's identity sources, or None when one is missing or empty.

    API Gateway answers 401 without calling the authorizer in that case.
    """
    query = _query_parameters(request.raw_query)
    values: list[str] = []
    for source in identity_sources:
        if source.startswith("$request.header."):
            value = request.header(source.removeprefix("$request.header."))
        elif source.startswith("$request.querystring."):
            value = query.get(source.removeprefix("$request.querystring."))
        else:
            raise ValueError(f"identity source {source!r} is not supported locally")
        if value is None or not value.strip():
            return None
        values.append(value)
    return values


def build_authorizer_event(
    request: HttpRequest,
    match: RouteMatch,
    *,
    request_id: str,
    identity_source: Sequence[str],
    api_id: str = PUBLIC_API_ID,
    epoch_ms: int | None = None,
) -> dict[str, Any]:
    """The Lambda authorizer's event (REQUEST, payload format 2.0): no body, the identity values."""
    event, context = _common(request, match, request_id, epoch_ms, api_id)
    event = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/{STAGE}/"
        f"{request.method}{request.raw_path}",
        "identitySource": list(identity_source),
        **{k: v for k, v in event.items() if k != "version"},
        "requestContext": context,
    }
    if match.path_parameters:
        event["pathParameters"] = dict(match.path_parameters)
    return event


def authorizer_decision(result: Any) -> tuple[bool, dict[str, Any]]:
    """Read a simple response ``{"isAuthorized": bool, "context": {...}}``."""
    if not isinstance(result, dict) or not isinstance(result.get("isAuthorized"), bool):
        raise InvalidLambdaResult("the authorizer's simple response needs a boolean isAuthorized")
    context = result.get("context") or {}
    if not isinstance(context, dict):
        raise InvalidLambdaResult("the authorizer's context must be an object")
    return result["isAuthorized"], context
