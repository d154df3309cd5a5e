"""HTTP in and out of the gateway, and the gateway's own answers."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass


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


def new_request_id() -> str:
    """An id shaped like API Gateway's (``apigw-requestid``), e.g. ``Ab3dEfGhIjKlMnO=``."""
    return base64.b64encode(secrets.token_bytes(11)).decode()[:15] + "="


_GATEWAY_MESSAGES = {
    400: "Bad Request",
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
