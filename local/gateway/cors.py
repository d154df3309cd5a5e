"""An HTTP API's CORS configuration, applied as API Gateway applies it.

With a ``CorsConfiguration`` on the API, API Gateway itself answers every preflight (an ``OPTIONS``
with ``Origin`` and ``Access-Control-Request-Method``): 204, with the grant only when the origin
is one of ``AllowOrigins`` (or that list holds ``*``). To every other answer for an allowed
origin it adds ``Access-Control-Allow-Origin`` and ``Access-Control-Expose-Headers``, and it drops
any ``Access-Control-*`` header the function set. Without a configuration nothing of this
happens: an ``OPTIONS`` is routed like any other method.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from local.gateway.messages import HttpRequest, HttpResponse

PREFLIGHT_STATUS = 204


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_configuration(cls, configuration: Mapping[str, Any] | None) -> CorsPolicy | None:
        """The policy of a resolved ``CorsConfiguration``; None when there is none."""
        if not configuration:
            return None

        def names(key: str) -> tuple[str, ...]:
            return tuple(str(item) for item in configuration.get(key) or ())

        max_age = configuration.get("MaxAge")
        return cls(
            allow_origins=names("AllowOrigins"),
            allow_methods=names("AllowMethods"),
            allow_headers=names("AllowHeaders"),
            expose_headers=names("ExposeHeaders"),
            max_age=int(max_age) if max_age is not None else None,
            allow_credentials=bool(configuration.get("AllowCredentials", False)),
        )

    def allowed_origin(self, request: HttpRequest) -> str | None:
        """The value of ``Access-Control-Allow-Origin`` for this request, or None (no grant)."""
        origin = request.header("Origin")
        if not origin:
            return None
        if origin in self.allow_origins:
            return origin
        return "*" if "*" in self.allow_origins else None

    @staticmethod
    def is_preflight(request: HttpRequest) -> bool:
        return (
            request.method == "OPTIONS"
            and bool(request.header("Origin"))
            and bool(request.header("Access-Control-Request-Method"))
        )

    def preflight(self, request: HttpRequest) -> HttpResponse:
        """API Gateway's own answer to a preflight."""
        origin = self.allowed_origin(request)
        if origin is None:
            return HttpResponse(PREFLIGHT_STATUS)
        headers = [("Access-Control-Allow-Origin", origin)]
        headers += _listed("Access-Control-Allow-Methods", self.allow_methods)
        headers += _listed("Access-Control-Allow-Headers", self.allow_headers)
        if self.max_age is not None:
            headers.append(("Access-Control-Max-Age", str(self.max_age)))
        if self.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return HttpResponse(PREFLIGHT_STATUS, tuple(headers))

    def apply(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """An answer as API Gateway sends it: the function's own CORS headers dropped, the
        configured ones added for an allowed origin."""
        headers = [(n, v) for n, v in response.headers if not n.lower().startswith("access-control-")]
        origin = self.allowed_origin(request)
        if origin is not None:
            headers.append(("Access-Control-Allow-Origin", origin))
            headers += _listed("Access-Control-Expose-Headers", self.expose_headers)
            if self.allow_credentials:
                headers.append(("Access-Control-Allow-Credentials", "true"))
        return HttpResponse(response.status, tuple(headers), response.body)


def _listed(name: str, values: Sequence[str]) -> list[tuple[str, str]]:
    return [(name, ",".join(values))] if values else []
