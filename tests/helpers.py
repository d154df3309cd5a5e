"""In-process API driver for unit and integration tests: requests go through the same API Gateway
emulation as the local server's (``local.gateway``: the routes of template.yaml, payload 2.0
events, the Lambda authorizer, results turned into HTTP), to the functions imported by the same
loader (``local.lambda_runtime``), and the answers are decoded."""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
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
from local.gateway import Gateway, HttpRequest, new_request_id
from local.lambda_runtime import LocalFunctions
from local.sessions import LOCAL_AUDIENCE, LOCAL_ISSUER, SessionSigner
from local.stack import LOCAL_KEY_ISSUER
from local.template import load_template

ROOT = Path(__file__).resolve().parent.parent
SOURCE_IP = "203.0.113.9"
USER_AGENT = "keysmith-tests/1.0"


@cache
def functions() -> LocalFunctions:
    """template.yaml's functions, each imported once, as the local server imports them."""
    return LocalFunctions(load_template(ROOT / "template.yaml"))


@cache
def gateway() -> Gateway:
    """The one gateway emulation in front of ``functions()``, with the template's defaults."""
    return Gateway.from_template(functions().template, functions().invoke)


def handler_of(folder: str) -> Callable[..., Any]:
    """The handler of ``functions/<folder>/app.py`` (or a logical id), imported once."""
    return functions().get(functions().resolve(folder).logical_id).handler


def http_request(
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: str | bytes | None = None,
    source_ip: str = SOURCE_IP,
) -> HttpRequest:
    """A client's request: ``path`` as on the local server (``/internal/...`` for the internal API)."""
    all_headers = {"user-agent": USER_AGENT, **{k.lower(): v for k, v in (headers or {}).items()}}
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body or b""
    target = f"{path}?{urlencode(query)}" if query else path
    return HttpRequest.from_target(method, target, all_headers.items(), raw, source_ip=source_ip)


def make_event(method: str, path: str, **request: Any) -> dict[str, Any]:
    """The payload 2.0 event the gateway sends the function serving ``method path`` (keywords as
    ``http_request``), for tests that change an event before a handler sees it."""
    _, event = gateway().event(http_request(method, path, **request), new_request_id())
    return event


def handler_for(method: str, path: str) -> Callable[..., Any]:
    """The handler of the function the gateway routes ``method path`` to."""
    function, _ = gateway().event(http_request(method, path), new_request_id())
    return handler_of(function)


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
    """Calls the functions in-process, through the gateway as template.yaml routes them."""

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
        """``path`` as on the local server: ``/v1/...`` on the public API, ``/internal/v1/...`` on
        the internal one. ``raw_body`` is sent as is (base64 in the event when it is not UTF-8)."""
        all_headers = {k.lower(): v for k, v in (headers or {}).items()}
        if token is not None:
            all_headers.setdefault("authorization", f"Bearer {token}")
        if json_body is not None:
            body = json.dumps(json_body)
            all_headers.setdefault("content-type", "application/json")
        request = http_request(
            method, path, headers=all_headers, query=query, body=raw_body if raw_body is not None else body
        )
        self.calls.append((method.upper(), path))
        response = gateway().handle(request, new_request_id())
        return Reply(response.status, dict(response.headers), response.body.decode("utf-8", "replace"))


@cache
def test_signing_key() -> str:
    """``file:<path>`` of an ES256 signing key made for this test process (on its first use)."""
    return f"file:{Path(tempfile.mkdtemp(prefix='keysmith-signing-')) / 'signing-key.pem'}"


def test_settings(table_name: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "table_name": table_name,
        "jwks_url": "https://issuer.invalid/.well-known/jwks.json",
        "jwt_issuer": LOCAL_ISSUER,
        "jwt_audience": LOCAL_AUDIENCE,
        "signing_key": test_signing_key(),
        "key_issuer": LOCAL_KEY_ISSUER,
        **overrides,
    }
    return Settings(**values)


def build_parts(settings: Settings, client: Any, signer: SessionSigner) -> Parts:
    """Collaborators on ``client`` whose sessions are checked against ``signer``'s JWKS (no network)."""
    store = KeyStore(client, settings.table_name, settings.audit_retention_days)
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
test_signing_key.__test__ = False  # type: ignore[attr-defined]
