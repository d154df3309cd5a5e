"""<keysmith-tokens> embedded in a SaaS's own settings page on another origin, calling the API
through CORS: a tiny static server on another loopback port plays the SaaS.

The API is a local server of its own, started with ``--cors-origins`` naming the SaaS's origin (the
local counterpart of the ``CorsAllowedOrigins`` deploy parameter)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.conftest import run_local_server

HOST_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Acme · Settings</title>
<script src="{api}/console/keysmith-tokens.js"></script></head>
<body><main><h1>Acme settings</h1>
<keysmith-tokens api-base="{api}" scopes="read,write"></keysmith-tokens></main>
<script>
  // The SaaS hands the element its own user's session, from its own backend.
  document.querySelector("keysmith-tokens").getToken = async () => (await fetch("/session")).text();
</script>
</body></html>
"""


@dataclass
class SaasHost:
    """A SaaS settings page on its own origin; ``token`` is the session its backend hands out."""

    url: str
    api: str
    token: str = ""


@contextlib.contextmanager
def saas_host(api: str) -> Iterator[SaasHost]:
    host = SaasHost("", api)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/":
                body, kind = HOST_PAGE.format(api=host.api).encode(), "text/html; charset=utf-8"
            elif self.path == "/session":
                body, kind = host.token.encode(), "text/plain"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def saas_and_api(ddb_local: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SaasHost]:
    """The SaaS page's server first (the API must know its origin), then the API it embeds."""
    with (
        saas_host("") as host,
        run_local_server(
            tmp_path_factory.mktemp("cors-server"),
            ["--dynamodb-endpoint", ddb_local, "--cors-origins", host.url],
        ) as api,
    ):
        host.api = api.url
        yield host


def test_the_embedded_element_manages_keys_through_cors(browser: Browser, saas_and_api: SaasHost) -> None:
    host = saas_and_api
    session = requests.post(
        f"{host.api}/_local/sessions", json={"user_id": "u_saas", "tenant_id": "t_saas"}, timeout=10
    )
    host.token = session.json()["token"]
    created = requests.post(
        f"{host.api}/v1/api-keys",
        headers={"Authorization": f"Bearer {host.token}"},
        json={"name": "made by the SaaS backend"},
        timeout=10,
    )
    assert created.status_code == 201

    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{host.url}/")
        assert page.evaluate("() => location.origin") != host.api  # another origin indeed
        expect(page.get_by_role("rowheader", name="made by the SaaS backend")).to_be_visible()
        # the element's own stylesheet reached its shadow root from the API's origin
        create = page.get_by_role("button", name="Create key")
        expect(create).to_have_css("background-color", "rgb(31, 95, 191)")

        page.get_by_role("button", name="Create key").click()
        page.get_by_role("dialog").get_by_label("Name", exact=True).fill("from the embedded page")
        page.get_by_role("dialog").get_by_role("button", name="Create key").click()
        secret = page.get_by_role("dialog").get_by_label("Key for “from the embedded page”").input_value()
        page.get_by_role("button", name="I have copied it, close").click()
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="from the embedded page"))
        row.get_by_role("button", name="Suspend from the embedded page").click()
        expect(row).to_contain_text("Suspended")
        assert secret not in str(page.evaluate("() => document.documentElement.outerHTML"))
        assert errors == []
    finally:
        context.close()


def test_an_origin_the_api_does_not_allow_is_refused(browser: Browser, saas_and_api: SaasHost) -> None:
    """The same page from an origin missing from the CORS list: the browser refuses the answers,
    and the element says the API could not be reached."""
    host = saas_and_api
    with saas_host(host.api) as stranger:
        stranger.token = host.token or "x"
        context = browser.new_context()
        page = context.new_page()
        try:
            page.goto(f"{stranger.url}/")
            expect(page.get_by_role("alert")).to_contain_text("The API could not be reached")
        finally:
            context.close()
