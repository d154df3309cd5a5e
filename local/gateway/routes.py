"""The template's HTTP APIs and their routes, and the route API Gateway picks for a request.

Each ``AWS::Serverless::HttpApi`` of template.yaml is one ``Api``. Locally they share one port:
an API whose routes all take AWS IAM (the internal API) answers under ``/internal``, the other (the
public API) at the root. Each has an ``apiId`` a reader recognises as local (a real one is ten
lower-case letters and digits, never with a hyphen): ``local-public`` and ``local-internal``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from local.gateway.cors import CorsPolicy
from local.template import IAM_AUTH, HttpApiSpec, TemplateError, functions, http_apis

DEFAULT_ROUTE = "$default"
ANY_METHOD = "ANY"
DEFAULT_IDENTITY_SOURCE = "$request.header.Authorization"
PUBLIC_API_ID = "local-public"
INTERNAL_API_ID = "local-internal"
INTERNAL_MOUNT = "/internal"


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
class Api:
    """One HTTP API as served locally: its routes, where it answers, its id and its CORS policy."""

    logical_id: str
    api_id: str
    mount: str  # the path prefix it answers under locally ("" for the root)
    routes: tuple[Route, ...]
    cors: CorsPolicy | None = None

    def inner_path(self, raw_path: str) -> str | None:
        """The path this API sees for a local request path, or None when it is not under the mount."""
        if not self.mount:
            return raw_path
        if raw_path == self.mount or raw_path.startswith(self.mount + "/"):
            return raw_path[len(self.mount) :] or "/"
        return None

    def match(self, method: str, path: str) -> RouteMatch | None:
        return match_route(self.routes, method, path)


# ------------------------------------------------------------------------------ from the template
def _authorizers(api: HttpApiSpec) -> dict[str, Authorizer]:
    authorizers: dict[str, Authorizer] = {}
    for name, spec in api.authorizers.items():
        arn = spec.get("FunctionArn")
        if not (isinstance(arn, Mapping) and "Fn::GetAtt" in arn):
            raise TemplateError(f"{name}: FunctionArn must be !GetAtt <Function>.Arn")
        simple = spec.get("EnableSimpleResponses") in (True, "true")
        if str(spec.get("AuthorizerPayloadFormatVersion")) != "2.0" or not simple:
            raise TemplateError(f"{name}: only payload 2.0 with simple responses runs locally")
        identity = spec.get("Identity") or {}
        sources = [f"$request.header.{h}" for h in identity.get("Headers") or []]
        sources += [f"$request.querystring.{q}" for q in identity.get("QueryStrings") or []]
        authorizers[name] = Authorizer(
            name, str(arn["Fn::GetAtt"][0]), tuple(sources) or (DEFAULT_IDENTITY_SOURCE,)
        )
    return authorizers


def template_apis(template: Mapping[str, Any], parameters: Mapping[str, str] | None = None) -> list[Api]:
    """Every HttpApi of the template with its routes in template order, mounted as described above.
    ``parameters`` override the template's parameter defaults (``CorsAllowedOrigins``...)."""
    specs = http_apis(template, parameters)
    routes: dict[str, list[Route]] = {name: [] for name in specs}
    authorizers_of = {name: _authorizers(spec) for name, spec in specs.items()}
    for function in functions(template):
        for http in function.routes:
            authorizers = authorizers_of[http.api]
            if http.auth is None:
                routes[http.api].append(Route(http.method, http.path, function.logical_id))
            elif http.auth == IAM_AUTH:
                routes[http.api].append(Route(http.method, http.path, function.logical_id, iam=True))
            elif http.auth in authorizers:
                authorizer = authorizers[http.auth]
                routes[http.api].append(Route(http.method, http.path, function.logical_id, authorizer))
            else:
                raise TemplateError(f"{function.logical_id}: unknown authorizer {http.auth!r}")
    apis: list[Api] = []
    for name, spec in specs.items():
        internal = bool(routes[name]) and all(route.iam for route in routes[name])
        mount, api_id = (INTERNAL_MOUNT, INTERNAL_API_ID) if internal else ("", PUBLIC_API_ID)
        if any(api.mount == mount for api in apis):
            raise TemplateError(f"{name}: a second {'internal' if internal else 'public'} HTTP API")
        cors = CorsPolicy.from_configuration(spec.cors)
        apis.append(Api(name, api_id, mount, tuple(routes[name]), cors))
    return apis


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
    """The route API Gateway picks: the most specific matching path (one trailing slash ignored:
    ``/console/`` reaches ``GET /console``), else ``$default``, else None."""
    paths = [raw_path, raw_path[:-1]] if len(raw_path) > 1 and raw_path.endswith("/") else [raw_path]
    for path in paths:
        match = _most_specific(routes, method.upper(), path)
        if match is not None:
            return match
    default = next((route for route in routes if route.path == DEFAULT_ROUTE), None)
    return RouteMatch(default, {}) if default is not None else None


def _most_specific(routes: Sequence[Route], method: str, path: str) -> RouteMatch | None:
    best: tuple[tuple[tuple[int, ...], int], RouteMatch] | None = None
    for route in routes:
        if route.path == DEFAULT_ROUTE or route.method not in (method, ANY_METHOD):
            continue
        params = _match_path(route.path, path)
        if params is None:
            continue
        rank = _specificity(route)
        if best is None or rank > best[0]:
            best = (rank, RouteMatch(route, params))
    return best[1] if best is not None else None
