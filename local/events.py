"""API Gateway (HTTP API, payload format 2.0) as the local server and ``make invoke`` need it.

Pure functions and small value types, no sockets and no environment: route matching against the
template's routes, the integration event and the Lambda authorizer (REQUEST, payload 2.0) event
built from an HTTP request, the authorizer's simple response read back, and a handler's result
turned into the HTTP response API Gateway would send. Where API Gateway answers by itself
(no route, missing identity source, denied, function error) it answers with its own bare
``{"message": ...}`` bodies, reproduced here by ``gateway_error``.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from local.template import TemplateError, functions

ACCOUNT_ID = "123456789012"
API_ID = "local"
REGION = "us-east-1"
STAGE = "$default"
DEFAULT_ROUTE = "$default"
ANY_METHOD = "ANY"
IAM_AUTH = "AWS_IAM"
DEFAULT_IDENTITY_SOURCE = "$request.header.Authorization"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class Authorizer:
    """A Lambda authorizer of the HTTP API (REQUEST, payload 2.0, simple responses)."""

    name: str
    function: str  # logical id of the authorizer function
    identity_sources: tuple[str, ...] = (DEFAULT_IDENTITY_SOURCE,)


@dataclass(frozen=True, slots=True)
class Route:
    """One HttpApi route: ``method`` is upper case or ``ANY``; ``path`` a template or ``$default``."""

    method: str
    path: str
    function: str
    authorizer: Authorizer | None = None
    iam: bool = False

    @property
    def route_key(self) -> str:
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """An HTTP request as received: headers in arrival order, repeated names allowed."""

    method: str
    raw_path: str
    raw_query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    @classmethod
    def from_target(
        cls,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        *,
        source_ip: str = "127.0.0.1",
        protocol: str = "HTTP/1.1",
    ) -> HttpRequest:
        """From a request target such as ``/v1/api-keys?limit=5``."""
        path, _, query = target.partition("?")
        return cls(method.upper(), path or "/", query, tuple(headers), body, source_ip, protocol)

    def header(self, name: str) -> str | None:
        """The header's values joined by commas (as API Gateway passes them), or None."""
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return ",".join(values) if values else None


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


class InvalidLambdaResult(ValueError):
    """A function's result that API Gateway cannot turn into a response: it answers 500."""


# ------------------------------------------------------------------------------ the template's routes
def _http_api_authorizers(template: Mapping[str, Any]) -> dict[str, Authorizer]:
    authorizers: dict[str, Authorizer] = {}
    for name, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::Serverless::HttpApi":
            continue
        auth = (resource.get("Properties") or {}).get("Auth") or {}
        if auth.get("DefaultAuthorizer"):
            raise TemplateError(f"{name}: Auth.DefaultAuthorizer is not supported by the local server")
        for authorizer_name, spec in (auth.get("Authorizers") or {}).items():
            arn = spec.get("FunctionArn")
            if not (isinstance(arn, Mapping) and "Fn::GetAtt" in arn):
                raise TemplateError(f"{authorizer_name}: FunctionArn must be !GetAtt <Function>.Arn")
            simple = spec.get("EnableSimpleResponses") in (True, "true")
            if str(spec.get("AuthorizerPayloadFormatVersion")) != "2.0" or not simple:
                raise TemplateError(f"{authorizer_name}: only payload 2.0 with simple responses runs locally")
            identity = spec.get("Identity") or {}
            sources = [f"$request.header.{h}" for h in identity.get("Headers") or []]
            sources += [f"$request.querystring.{q}" for q in identity.get("QueryStrings") or []]
            authorizers[authorizer_name] = Authorizer(
                authorizer_name, str(arn["Fn::GetAtt"][0]), tuple(sources) or (DEFAULT_IDENTITY_SOURCE,)
            )
    return authorizers


def template_routes(template: Mapping[str, Any]) -> list[Route]:
    """Every HttpApi route of the template, with its authorizer, in template order."""
    authorizers = _http_api_authorizers(template)
    routes: list[Route] = []
    for spec in functions(template):
        for http in spec.routes:
            if http.auth is None:
                routes.append(Route(http.method, http.path, spec.logical_id))
            elif http.auth == IAM_AUTH:
                routes.append(Route(http.method, http.path, spec.logical_id, iam=True))
            elif http.auth in authorizers:
                routes.append(Route(http.method, http.path, spec.logical_id, authorizers[http.auth]))
            else:
                raise TemplateError(f"{spec.logical_id}: unknown authorizer {http.auth!r}")
    return routes


# ------------------------------------------------------------------------------ route matching
def _segments(path: str) -> list[str]:
    return path.split("/")[1:]


def _specificity(route: Route) -> tuple[tuple[int, ...], int]:
    # Literal segments beat {param} beat {proxy+}, left to right; then a method beats ANY.
    ranks = tuple(
        0 if seg.endswith("+}") else 1 if seg.startswith("{") else 2 for seg in _segments(route.path)
    )
    return ranks, 0 if route.method == ANY_METHOD else 1


def _match_path(template: str, raw_path: str) -> dict[str, str] | None:
    pattern, actual = _segments(template), _segments(raw_path)
    params: dict[str, str] = {}
    for index, seg in enumerate(pattern):
        if seg.startswith("{") and seg.endswith("+}"):
            rest = "/".join(actual[index:])
            if not rest:
                return None
            params[seg[1:-2]] = unquote(rest)
            return params
        if index >= len(actual):
            return None
        if seg.startswith("{") and seg.endswith("}"):
            if not actual[index]:
                return None
            params[seg[1:-1]] = unquote(actual[index])
        elif seg != actual[index]:
            return None
    return params if len(pattern) == len(actual) else None


def match_route(routes: Sequence[Route], method: str, raw_path: str) -> RouteMatch | None:
    """The route API Gateway picks: the most specific matching path, else ``$default``, else None."""
    method = method.upper()
    best: tuple[tuple[tuple[int, ...], int], RouteMatch] | None = None
    default: Route | None = None
    for route in routes:
        if route.path == DEFAULT_ROUTE:
            default = route
            continue
        if route.method not in (method, ANY_METHOD):
            continue
        params = _match_path(route.path, raw_path)
        if params is None:
            continue
        rank = _specificity(route)
        if best is None or rank > best[0]:
            best = (rank, RouteMatch(route, params))
    if best is not None:
        return best[1]
    return RouteMatch(default, {}) if default is not None else None


# ------------------------------------------------------------------------------ events
def new_request_id() -> str:
    """An id shaped like API Gateway's (``apigw-requestid``), e.g. ``Ab3dEfGhIjKlMnO=``."""
    return base64.b64encode(secrets.token_bytes(11)).decode()[:15] + "="


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
    request: HttpRequest, headers: Mapping[str, str], route_key: str, request_id: str, epoch_ms: int
) -> dict[str, Any]:
    domain = headers.get("host", "127.0.0.1").rpartition(":")[0] or headers.get("host", "127.0.0.1")
    return {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
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
    request: HttpRequest, match: RouteMatch, request_id: str, epoch_ms: int | None
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
    context = _request_context(request, headers, route_key, request_id, epoch_ms)
    return event, context


def local_iam_identity() -> dict[str, Any]:
    """What ``requestContext.authorizer.iam`` holds on an AWS_IAM route: locally, a fixed caller."""
    return {
        "accessKey": "ASIALOCALLOCALLOCAL0",
        "accountId": ACCOUNT_ID,
        "callerId": "AIDALOCALLOCALLOCAL0",
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": f"arn:aws:iam::{ACCOUNT_ID}:user/keysmith-local",
        "userId": "AIDALOCALLOCALLOCAL0",
    }


def build_event(
    request: HttpRequest,
    match: RouteMatch,
    *,
    request_id: str,
    authorizer_context: Mapping[str, Any] | None = None,
    epoch_ms: int | None = None,
) -> dict[str, Any]:
    """The integration event API Gateway sends the route's function (payload format 2.0)."""
    event, context = _common(request, match, request_id, epoch_ms)
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
    epoch_ms: int | None = None,
) -> dict[str, Any]:
    """The Lambda authorizer's event (REQUEST, payload format 2.0): no body, the identity values."""
    event, context = _common(request, match, request_id, epoch_ms)
    event = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{STAGE}/"
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


# ------------------------------------------------------------------------------ responses
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


_GATEWAY_MESSAGES = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
}


def gateway_error(status: int) -> HttpResponse:
    """One of API Gateway's own answers, e.g. 401 ``{"message":"Unauthorized"}``."""
    body = json.dumps({"message": _GATEWAY_MESSAGES[status]}, separators=(",", ":")).encode()
    return HttpResponse(status, (("content-type", "application/json"),), body)


# ------------------------------------------------------------------------------ Lambda context
@dataclass
class LambdaContext:
    """What Lambda's Python runtime passes as ``context``, with a deadline from the timeout."""

    function_name: str
    timeout_seconds: float = 10.0
    memory_limit_in_mb: str = "512"
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return time.strftime("%Y/%m/%d/[$LATEST]local", time.gmtime())

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
