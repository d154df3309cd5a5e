"""In-process API driver for unit and integration tests: builds payload 2.0 events the way API
Gateway does for our routes, calls the functions' handlers, and decodes the answers."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from keysmith import wiring
from keysmith.auth.sessions import SessionVerifier, StaticJwks
from keysmith.domain.verifier import Verifier
from keysmith.settings import Settings
from keysmith.store.keys import KeyStore
from local.dynamo_calls import counting
from local.openapi import load_function
from local.sessions import LOCAL_AUDIENCE, LOCAL_ISSUER, SessionSigner
from local.template import functions, load_template

ROOT = Path(__file__).resolve().parent.parent


@cache
def route_table() -> list[tuple[str, str, re.Pattern[str], str]]:
    """(method, path template, pattern, function folder) from template.yaml."""
    table = []
    for spec in functions(load_template(ROOT / "template.yaml")):
        folder = Path(str(spec.code_uri)).name
        for event in spec.routes:
            if event.path == "$default":
                continue
            pattern = re.compile(
                "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(event.path)) + "$"
            )
            table.append((event.method.upper(), event.path, pattern, folder))
    return table


@cache
def handler_of(folder: str) -> Any:
    return load_function(folder).handler


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def body(self) -> Any:
        return json.loads(self.text) if self.text else None

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


def make_event(
    method: str,
    path: str,
    *,
    route_key: str,
    path_parameters: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: str | None = None,
    source_ip: str = "203.0.113.9",
) -> dict[str, Any]:
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    lowered.setdefault("user-agent", "keysmith-tests/1.0")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered["user-agent"],
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": "22/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795341600000,
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body is not None:
        event["body"] = body
    return event


@dataclass
class Parts:
    """The collaborators a test put in place through ``keysmith.wiring``."""

    settings: Settings
    store: KeyStore
    verifier: Verifier
    sessions: SessionVerifier

    def install(self) -> None:
        """Put these in place (until ``wiring.reset()``)."""
        wiring.install(
            settings=self.settings, store=self.store, verifier=self.verifier, sessions=self.sessions
        )


@dataclass
class Api:
    """Calls the functions in-process, routed as template.yaml routes them."""

    parts: Parts
    signer: SessionSigner
    calls: list[tuple[str, str]] = field(default_factory=list)

    def session(self, user_id: str, tenant_id: str, roles: list[str] | None = None) -> str:
        token, _ = self.signer.mint(user_id, tenant_id, roles)
        return token

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json_body: Any = None,
        body: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        raw_body: bytes | None = None,
    ) -> Reply:
        """``raw_body`` is sent base64-encoded, as API Gateway sends a body that is not UTF-8."""
        all_headers = dict(headers or {})
        if token is not None:
            all_headers.setdefault("authorization", f"Bearer {token}")
        if json_body is not None:
            body = json.dumps(json_body)
            all_headers.setdefault("content-type", "application/json")
        folder, route_key, params = "fallback", "$default", None
        for route_method, template, pattern, target in route_table():
            match = pattern.match(path)
            if match and route_method == method.upper():
                folder, route_key, params = target, f"{route_method} {template}", match.groupdict() or None
                break
        event = make_event(
            method.upper(),
            path,
            route_key=route_key,
            path_parameters=params,
            headers=all_headers,
            query=query,
            body=body,
        )
        if raw_body is not None:
            event["body"] = base64.b64encode(raw_body).decode()
            event["isBase64Encoded"] = True
        self.calls.append((method.upper(), path))
        result = handler_of(folder)(event, None)
        return Reply(int(result["statusCode"]), dict(result.get("headers") or {}), result.get("body") or "")


def test_settings(table_name: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "table_name": table_name,
        "jwks_url": "https://issuer.invalid/.well-known/jwks.json",
        "jwt_issuer": LOCAL_ISSUER,
        "jwt_audience": LOCAL_AUDIENCE,
        **overrides,
    }
    return Settings(**values)


def build_parts(settings: Settings, client: Any, signer: SessionSigner) -> Parts:
    """Collaborators on ``client`` whose sessions are checked against ``signer``'s JWKS (no network)."""
    store = KeyStore(client, settings.table_name)
    verifier = wiring.build_verifier(settings, store)
    return Parts(settings, store, verifier, SessionVerifier(settings, StaticJwks(signer.jwks())))


@contextlib.contextmanager
def count_requests(client: Any) -> Iterator[Counter[str]]:
    """DynamoDB requests ``client`` makes inside the block, by operation (``GetItem``: 1, ...),
    tallied when the block ends."""
    counts: Counter[str] = Counter()
    with counting(client) as calls:
        yield counts
    counts.update(calls)


test_settings.__test__ = False  # type: ignore[attr-defined]
