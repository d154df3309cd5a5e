"""API Gateway in front of the functions: which API and route a request reaches, the Lambda
authorizer gate, the payload 2.0 event, CORS, and API Gateway's own answers (404 without a route,
401/403 from the gate, 500 when a function fails or returns what API Gateway cannot use).

The local server, ``make invoke``, the in-process test client and ``make bench`` all go through
this one class; functions are reached through ``invoke(logical_id, event)``.
"""

from __future__ import annotations

import dataclasses
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from local.gateway.events import authorizer_decision, build_authorizer_event, build_event, identity_values
from local.gateway.messages import HttpRequest, HttpResponse, gateway_error
from local.gateway.responses import InvalidLambdaResult, to_http_response
from local.gateway.routes import Api, RouteMatch, template_apis
from local.terminal import Warn, stderr_warning

Invoke = Callable[[str, dict[str, Any]], Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Routed:
    """Where a request lands: the API, the request as that API sees it (path without the local
    mount), and the route API Gateway picked."""

    api: Api
    request: HttpRequest
    match: RouteMatch


class Gateway:
    def __init__(self, apis: Sequence[Api], invoke: Invoke, warn: Warn = stderr_warning) -> None:
        self.apis = sorted(apis, key=lambda api: len(api.mount), reverse=True)  # longest mount first
        self.invoke = invoke
        self.warn = warn

    @classmethod
    def from_template(
        cls,
        template: Mapping[str, Any],
        invoke: Invoke,
        parameters: Mapping[str, str] | None = None,
        warn: Warn = stderr_warning,
    ) -> Gateway:
        return cls(template_apis(template, parameters), invoke, warn)

    def api(self, logical_id: str) -> Api:
        return next(api for api in self.apis if api.logical_id == logical_id)

    def locate(self, request: HttpRequest) -> tuple[Api, HttpRequest] | None:
        """The API a request reaches and the request as that API sees it."""
        for api in self.apis:
            inner = api.inner_path(request.raw_path)
            if inner is not None:
                return api, dataclasses.replace(request, raw_path=inner)
        return None

    def route(self, request: HttpRequest) -> Routed | None:
        located = self.locate(request)
        if located is None:
            return None
        api, inner = located
        match = api.match(inner.method, inner.raw_path)
        return Routed(api, inner, match) if match is not None else None

    def event(self, request: HttpRequest, request_id: str) -> tuple[str, dict[str, Any]]:
        """(function, event) for a request to a route without a Lambda authorizer: the event the
        function would get, for callers that send it themselves."""
        routed = self.route(request)
        if routed is None or routed.match.route.authorizer is not None:
            raise LookupError(f"{request.method} {request.raw_path} reaches no function directly")
        event = build_event(routed.request, routed.match, request_id=request_id, api_id=routed.api.api_id)
        return routed.match.route.function, event

    def handle(self, request: HttpRequest, request_id: str) -> HttpResponse:
        located = self.locate(request)
        if located is None:
            return gateway_error(404)
        api, inner = located
        if api.cors is not None and api.cors.is_preflight(inner):
            return api.cors.preflight(inner)
        response = self._answer(api, inner, request_id)
        return api.cors.apply(inner, response) if api.cors is not None else response

    def _answer(self, api: Api, request: HttpRequest, request_id: str) -> HttpResponse:
        match = api.match(request.method, request.raw_path)
        if match is None:
            return gateway_error(404)
        context: dict[str, Any] | None = None
        authorizer = match.route.authorizer
        if authorizer is not None:
            identity = identity_values(request, authorizer.identity_sources)
            if identity is None:
                return gateway_error(401)  # API Gateway does not call the authorizer then
            event = build_authorizer_event(
                request, match, request_id=request_id, identity_source=identity, api_id=api.api_id
            )
            try:
                allowed, context = authorizer_decision(self.invoke(authorizer.function, event))
            except Exception:
                self._report(authorizer.function)
                return gateway_error(500)
            if not allowed:
                return gateway_error(403)
        event = build_event(
            request, match, request_id=request_id, api_id=api.api_id, authorizer_context=context
        )
        try:
            return to_http_response(self.invoke(match.route.function, event), warn=self.warn)
        except Exception:
            self._report(match.route.function)
            return gateway_error(500)

    def _report(self, logical_id: str) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, InvalidLambdaResult):
            self.warn(f"{logical_id} returned a result API Gateway cannot use ({error}): 500")
        elif isinstance(error, LookupError):  # the function's code is missing
            self.warn(f"{error}: 500")
        else:
            print(
                f"{logical_id} failed; API Gateway answers 500:\n{traceback.format_exc()}",
                file=sys.stderr,
                flush=True,
            )
