"""The deployed sign-in: OpenID Connect, authorization code with PKCE, as a public client.

A stand-in for the deployed stack serves the console function's answers in OpenID Connect mode on
one loopback origin and passes /v1/* to the local server (the page and the API share an origin, as
deployed). A stand-in issuer on another loopback origin publishes its discovery document, checks the
authorization request, and at its token endpoint checks the PKCE verifier against the challenge
before it hands out a session the local server trusts."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from playwright.sync_api import Browser, ConsoleMessage, expect

from tests.e2e.browser.test_console_serving import console_app

CLIENT_ID = "keysmith-console-test"


@contextlib.contextmanager
def serve(handle: Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]) -> Iterator[str]:
    """A loopback HTTP server whose every request is answered by ``handle``; yields its origin."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            status, headers, body = handle(self)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_DELETE = do_OPTIONS = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _body(request: BaseHTTPRequestHandler) -> bytes:
    length = int(request.headers.get("Content-Length") or 0)
    return request.rfile.read(length) if length else b""


@dataclass
class Issuer:
    """What the stand-in issuer saw and what it hands out."""

    origin: str = ""
    session: str = ""  # the JWT its token endpoint returns (minted by the local server)
    challenges: dict[str, str] = field(default_factory=dict)  # code -> code_challenge
    refusals: list[str] = field(default_factory=list)
    redeemed: list[str] = field(default_factory=list)

    def handle(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        cors = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "content-type"}
        url = urlsplit(request.path)
        if request.command == "OPTIONS":
            return 204, cors, b""
        if url.path == "/.well-known/openid-configuration":
            document = {
                "issuer": self.origin,
                "authorization_endpoint": f"{self.origin}/authorize",
                "token_endpoint": f"{self.origin}/token",
                "code_challenge_methods_supported": ["S256"],
            }
            return 200, {**cors, "Content-Type": "application/json"}, json.dumps(document).encode()
        if url.path == "/authorize":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            expected = {"response_type": "code", "client_id": CLIENT_ID, "code_challenge_method": "S256"}
            if any(query.get(k) != v for k, v in expected.items()) or not query.get("code_challenge"):
                self.refusals.append(f"authorize {query}")
                return 400, {}, b"bad authorization request"
            code = f"code-{len(self.challenges)}"
            self.challenges[code] = query["code_challenge"]
            target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
            return 302, {"Location": target}, b""
        if url.path == "/token" and request.command == "POST":
            form = {k: v[0] for k, v in parse_qs(_body(request).decode()).items()}
            challenge = self.challenges.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            digest = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            )
            if challenge is None or digest != challenge or form.get("client_id") != CLIENT_ID:
                self.refusals.append(f"token {form}")
                body = {"error": "invalid_grant", "error_description": "The code or its verifier is wrong."}
                return 400, {**cors, "Content-Type": "application/json"}, json.dumps(body).encode()
            self.redeemed.append(form["code"])
            tokens = {"access_token": self.session, "id_token": self.session, "token_type": "Bearer"}
            return 200, {**cors, "Content-Type": "application/json"}, json.dumps(tokens).encode()
        return 404, {}, b""


@dataclass
class DeployedConsole:
    url: str
    issuer: Issuer


@pytest.fixture(scope="module")
def deployed(local_server: str) -> Iterator[DeployedConsole]:
    issuer = Issuer()
    with serve(issuer.handle) as issuer_origin:
        issuer.origin = issuer_origin
        config = console_app.ConsoleConfig("oidc", issuer_origin, CLIENT_ID, "read,write", "roles")
        assets = console_app.load_assets(config)

        def stack(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
            path = urlsplit(request.path).path
            if path.startswith("/console"):
                event = {"rawPath": path, "headers": dict(request.headers), "requestContext": {}}
                result = console_app.respond(event, config, assets)
                body = result["body"].encode()
                return (
                    result["statusCode"],
                    result["headers"],
                    (base64.b64decode(body) if result.get("isBase64Encoded") else body),
                )
            headers = {
                k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")
            }
            answer = requests.request(
                request.command, local_server + request.path, headers=headers, data=_body(request), timeout=30
            )
            kept = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "x-request-id")}
            return answer.status_code, kept, answer.content

        with serve(stack) as stack_origin:
            yield DeployedConsole(stack_origin, issuer)


def test_sign_in_with_pkce_keeps_the_session_in_memory(
    browser: Browser, deployed: DeployedConsole, session_token: Callable[..., str], local_server: str
) -> None:
    deployed.issuer.session = session_token("u_oidc", "t_oidc")
    requests.post(
        f"{local_server}/v1/api-keys",
        headers={"Authorization": f"Bearer {deployed.issuer.session}"},
        json={"name": "made before signing in"},
        timeout=10,
    ).raise_for_status()
    context = browser.new_context()
    page = context.new_page()
    messages: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        messages.append(message.text)

    page.on("console", on_console)
    try:
        page.goto(f"{deployed.url}/console/")
        expect(page.get_by_label("User id")).to_have_count(0)  # no local form when deployed
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("rowheader", name="made before signing in")).to_be_visible()
        expect(page.get_by_text("Signed in as u_oidc")).to_be_visible()
        assert deployed.issuer.redeemed and not deployed.issuer.refusals
        assert page.url == f"{deployed.url}/console/"  # code and state left the address bar
        storage = page.evaluate("() => [localStorage.length, sessionStorage.length, document.cookie]")
        assert storage == [0, 0, ""]  # the verifier is gone; the session was never stored
        assert deployed.issuer.session not in page.content()
        assert not [m for m in messages if "Content Security Policy" in m], messages

        page.reload()  # memory only: a reload is signed out
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        expect(page.get_by_role("rowheader")).to_have_count(0)
    finally:
        context.close()


def test_an_answer_that_does_not_match_the_request_is_refused(
    browser: Browser, deployed: DeployedConsole
) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{deployed.url}/console/?code=code-forged&state=not-ours")
        expect(page.get_by_role("alert")).to_contain_text("does not match this browser's request")
        assert page.url == f"{deployed.url}/console/"
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    finally:
        context.close()
