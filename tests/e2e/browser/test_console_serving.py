"""How the console function serves the console: addresses, security headers, caching, the bundle's
size, the sign-in mode it chooses, and the content-hashed names it gives its source files."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from tests.e2e.browser.conftest import ROOT

BUNDLE_LIMIT_BYTES = 60 * 1024  # JS and CSS together, gzipped
CSP = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "connect-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
}


def load_console_app() -> ModuleType:
    """functions/console/app.py as its own module (every function's module is named app)."""
    spec = importlib.util.spec_from_file_location("console_app", ROOT / "functions" / "console" / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


console_app = load_console_app()


def policy(header: str) -> dict[str, str]:
    directives = (d.strip().split(" ", 1) for d in header.split(";") if d.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


class PageParts(HTMLParser):
    """The page's scripts, stylesheets and any inline script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "style" in attributes or any(name.startswith("on") for name in attributes):
            self.inline.append(f"<{tag} {attributes}>")
        if tag == "style":
            self.inline.append("<style>")
        if tag == "script":
            if attributes.get("src"):
                self.scripts.append(str(attributes["src"]))
            else:
                self.inline.append("<script> without src")
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(str(attributes["href"]))


def page_parts(html: str) -> PageParts:
    parts = PageParts()
    parts.feed(html)
    return parts


def test_the_page_is_served_with_a_strict_policy(local_server: str) -> None:
    response = requests.get(f"{local_server}/console", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert policy(response.headers["Content-Security-Policy"]) == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-cache"
    parts = page_parts(response.text)
    assert parts.inline == [], "no inline script or style: the policy would block it"
    assert len(parts.scripts) == 2 and len(parts.stylesheets) == 1
    assert 'data-mode="local"' in response.text


def test_the_page_answers_at_its_address_with_the_trailing_slash(local_server: str) -> None:
    """API Gateway routes /console/ to the GET /console route (it ignores a trailing slash when
    matching); the local server has to do the same for this address to work in `make dev`."""
    response = requests.get(f"{local_server}/console/", timeout=10)
    assert response.status_code == 200, response.text
    assert 'id="console"' in response.text


def test_hashed_assets_are_immutable_and_revalidate(local_server: str) -> None:
    parts = page_parts(requests.get(f"{local_server}/console", timeout=10).text)
    for path in [*parts.scripts, *parts.stylesheets]:
        assert re.fullmatch(r"/console/[a-z-]+\.[0-9a-f]{12}\.(js|css)", path), path
        response = requests.get(local_server + path, timeout=10, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        kind = "text/javascript" if path.endswith(".js") else "text/css"
        assert response.headers["Content-Type"] == f"{kind}; charset=utf-8"
        served = requests.get(local_server + path, timeout=10).content
        assert path.split(".")[-2] == hashlib.sha256(served).hexdigest()[:12], "named by what it holds"
        again = requests.get(
            local_server + path, timeout=10, headers={"If-None-Match": response.headers["ETag"]}
        )
        assert again.status_code == 304 and again.content == b""


def test_the_element_has_a_stable_address_for_embedders(local_server: str) -> None:
    page = page_parts(requests.get(f"{local_server}/console", timeout=10).text)
    hashed = next(s for s in page.scripts if "/keysmith-tokens." in s)
    stable = requests.get(f"{local_server}/console/keysmith-tokens.js", timeout=10)
    assert stable.status_code == 200 and stable.headers["Cache-Control"] == "no-cache"
    assert stable.content == requests.get(local_server + hashed, timeout=10).content


@pytest.mark.parametrize(
    "path",
    [
        "/console/nope.js",
        "/console/static/index.html",
        "/console/keysmith-tokens.js.map",
        "/console/console.js",  # a source file has only its hashed address
    ],
)
def test_an_unknown_asset_is_a_problem(local_server: str, path: str) -> None:
    response = requests.get(local_server + path, timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:keysmith:problem:not-found" and body["status"] == 404
    assert body["instance"] == response.request.path_url
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_bundle_is_at_most_60_kb_gzipped(local_server: str) -> None:
    """What a browser downloads for the page: each script and stylesheet, gzipped (level 9, as the
    console function sends them to a client that accepts gzip)."""
    parts = page_parts(requests.get(f"{local_server}/console", timeout=10).text)
    paths = [*parts.scripts, *parts.stylesheets]
    files = [requests.get(local_server + path, timeout=10).content for path in paths]
    # the element loads its own stylesheet into its shadow root
    element_css = {m.decode() for f in files for m in re.findall(rb"keysmith-tokens\.[0-9a-f]{12}\.css", f)}
    assert len(element_css) == 1
    files += [requests.get(f"{local_server}/console/{name}", timeout=10).content for name in element_css]
    raw = sum(len(content) for content in files)
    size = sum(len(gzip.compress(content, 9)) for content in files)
    print(f"\nconsole bundle: {len(files)} files, {raw} bytes of JS and CSS, {size} bytes gzipped", end=" ")
    print(f"(limit {BUNDLE_LIMIT_BYTES})")
    assert size <= BUNDLE_LIMIT_BYTES


def test_a_changed_source_file_gets_a_new_address(tmp_path: Path) -> None:
    """The function hashes its source at cold start: no build step, and a deploy that changes a
    stylesheet changes the address of the stylesheet and of the element's script that names it."""
    config = console_app.ConsoleConfig.from_env({"JWKS_URL": "http://127.0.0.1:3000/_local/jwks.json"})
    static = tmp_path / "static"
    shutil.copytree(console_app.STATIC, static)
    before = console_app.load_assets(config, static)
    (static / "keysmith-tokens.css").write_text(
        (static / "keysmith-tokens.css").read_text() + "\n:host { color: black; }\n"
    )
    after = console_app.load_assets(config, static)

    def source_names(names: set[str]) -> set[str]:
        return {re.sub(r"\.[0-9a-f]{12}\.", ".", name) for name in names}

    # only the stylesheet and the script that names it move; the page's own files keep their address
    assert source_names(set(before) - set(after)) == {"keysmith-tokens.css", "keysmith-tokens.js"}
    assert source_names(set(after) - set(before)) == {"keysmith-tokens.css", "keysmith-tokens.js"}
    page = after[""].body.decode()
    element_js = next(n for n in after if re.fullmatch(r"keysmith-tokens\.[0-9a-f]{12}\.js", n))
    assert f"/console/{element_js}" in page
    element_css = next(n for n in after if re.fullmatch(r"keysmith-tokens\.[0-9a-f]{12}\.css", n))
    assert element_css.encode() in after[element_js].body
    assert after["keysmith-tokens.js"].body == after[element_js].body


def test_a_page_without_its_asset_placeholders_fails_at_cold_start(tmp_path: Path) -> None:
    static = tmp_path / "static"
    shutil.copytree(console_app.STATIC, static)
    page = static / "index.html"
    page.write_text(page.read_text().replace("__CONSOLE_JS__", "/console/console.js"))
    config = console_app.ConsoleConfig.from_env({"JWKS_URL": "http://127.0.0.1:3000/_local/jwks.json"})
    with pytest.raises(RuntimeError, match="__CONSOLE_JS__"):
        console_app.load_assets(config, static)


def test_the_npm_lock_records_no_download_address() -> None:
    lock = json.loads((ROOT / "console" / "package-lock.json").read_text())
    packages: dict[str, Any] = lock["packages"]
    assert "node_modules/axe-core" in packages
    assert not [name for name, entry in packages.items() if "resolved" in entry]


# ---------------------------------------------------------------------------- the handler itself
def call(env: dict[str, str], path: str, **headers: str) -> dict[str, Any]:
    config = console_app.ConsoleConfig.from_env(env)
    assets = console_app.load_assets(config) if config.mode != "off" else {}
    event = {"rawPath": path, "headers": headers, "requestContext": {"requestId": "req-1"}}
    result: dict[str, Any] = console_app.respond(event, config, assets)
    return result


DEPLOYED = {
    "JWKS_URL": "https://idp.example.com/.well-known/jwks.json",
    "JWT_ISSUER": "https://idp.example.com/tenant-1",
    "ALLOWED_SCOPES": "read,write,deploy",
}


@pytest.mark.parametrize("path", ["/console", "/console/", "/console/keysmith-tokens.js"])
def test_deployed_without_a_client_id_the_console_is_off(path: str) -> None:
    result = call({**DEPLOYED, "CONSOLE_CLIENT_ID": ""}, path)
    assert result["statusCode"] == 404
    assert json.loads(result["body"])["detail"] == f"No route matches {path}."


def test_deployed_with_a_client_id_the_page_signs_in_with_the_issuer() -> None:
    result = call({**DEPLOYED, "CONSOLE_CLIENT_ID": "console-app"}, "/console/")
    assert result["statusCode"] == 200
    directives = policy(result["headers"]["Content-Security-Policy"])
    assert directives["connect-src"] == "'self' https://idp.example.com"
    assert {k: v for k, v in directives.items() if k != "connect-src"} == {
        k: v for k, v in CSP.items() if k != "connect-src"
    }
    page = result["body"]
    assert 'data-mode="oidc"' in page and 'data-client-id="console-app"' in page
    assert 'data-issuer="https://idp.example.com/tenant-1"' in page
    assert 'data-scopes="read,write,deploy"' in page


def test_settings_are_escaped_into_the_page() -> None:
    result = call({**DEPLOYED, "CONSOLE_CLIENT_ID": 'a"><script>x</script>'}, "/console/")
    assert "<script>x" not in result["body"] and "&quot;&gt;&lt;script&gt;" in result["body"]


@pytest.mark.parametrize(
    "jwks_url",
    ["http://127.0.0.1:3000/_local/jwks.json", "http://localhost:40123/_local/jwks.json"],
)
def test_the_local_server_is_recognised_by_its_jwks_address(jwks_url: str) -> None:
    config = console_app.ConsoleConfig.from_env(
        {"JWKS_URL": jwks_url, "JWT_ISSUER": "https://keysmith.local/"}
    )
    assert config.mode == "local"
    assert policy(config.content_security_policy())["connect-src"] == "'self'"


@pytest.mark.parametrize(
    "jwks_url",
    ["https://idp.example.com/_local/jwks.json", "http://10.0.0.1/_local/jwks.json", ""],
)
def test_anything_else_is_not_local(jwks_url: str) -> None:
    config = console_app.ConsoleConfig.from_env({**DEPLOYED, "JWKS_URL": jwks_url})
    assert config.mode == "off"  # no client id: off, never the local sign-in


def test_the_function_imports_nothing_from_the_shared_layer() -> None:
    source = (ROOT / "functions" / "console" / "app.py").read_text()
    assert not re.search(r"^\s*(from|import)\s+(keysmith|aws_lambda_powertools|boto3)", source, re.M)
    assert sorted(p.name for p in (ROOT / "functions" / "console").iterdir() if p.name != "__pycache__") == [
        "app.py",
        "requirements.txt",  # comment only: tells sam build the function needs nothing of its own
        "static",
    ]
    assert Path(console_app.STATIC).is_dir()
