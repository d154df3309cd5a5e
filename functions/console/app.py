"""GET /console and /console/{proxy+}: the console, a page where a person manages their API keys.

Standard library only and no shared layer, so the function stays small. ``static/`` holds the
console's source itself (no build step, nothing generated is committed); at cold start the function
reads it once, names each script and stylesheet by its content hash and writes those names into the
page and into the element's script.

* ``/console/`` (also ``/console`` and ``/console/index.html``) is the page, ``no-cache``, carrying the
  sign-in settings as data attributes (no inline script or style). API Gateway gives ``/console/``
  to the ``GET /console`` route (it matches paths without regard to a trailing slash), and the page
  names its assets by absolute path, so either address works.
* ``/console/<name>.<hash>.<js|css>``: an asset, cached for a year (``immutable``).
* ``/console/keysmith-tokens.js``: the custom element under a stable name, for a SaaS to embed;
  ``no-cache`` with an ETag, so a deploy reaches embedders at their next load.
* Anything else under /console/: 404 problem+json.

Sign-in mode: local when ``JWKS_URL`` is the local server's own ``/_local/jwks.json`` on a
loopback host (``make dev``): always on, with a form that asks the local server for a session.
Otherwise OpenID Connect with PKCE against ``JWT_ISSUER`` as the public client
``CONSOLE_CLIENT_ID``; while that is empty the console is off and every path answers 404.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

STATIC = Path(__file__).parent / "static"
PREFIX = "/console/"
ELEMENT_ALIAS = "keysmith-tokens.js"  # the element's source, served under this stable name too
ELEMENT_STYLESHEET = "keysmith-tokens.css"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
IMMUTABLE = "public, max-age=31536000, immutable"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
LOCAL_JWKS_PATH = "/_local/jwks.json"


@dataclass(frozen=True)
class ConsoleConfig:
    mode: str  # "local", "oidc", or "off"
    issuer: str
    client_id: str
    scopes: str
    roles_claim: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ConsoleConfig:
        jwks = urlsplit(env.get("JWKS_URL", ""))
        issuer = env.get("JWT_ISSUER", "").strip()
        client_id = env.get("CONSOLE_CLIENT_ID", "").strip()
        if jwks.hostname in LOOPBACK_HOSTS and jwks.path == LOCAL_JWKS_PATH:
            mode = "local"
        elif client_id and urlsplit(issuer).scheme == "https":
            mode = "oidc"
        else:
            mode = "off"
        scopes = ",".join(s.strip() for s in env.get("ALLOWED_SCOPES", "read,write").split(",") if s.strip())
        return cls(mode, issuer, client_id, scopes, env.get("ROLES_CLAIM", "roles") or "roles")

    def content_security_policy(self) -> str:
        connect = ["'self'"]
        issuer = urlsplit(self.issuer)
        if self.mode == "oidc" and issuer.scheme and issuer.netloc:
            connect.append(f"{issuer.scheme}://{issuer.netloc}")  # discovery and the token endpoint
        return "; ".join(
            (
                "default-src 'none'",
                "script-src 'self'",
                "style-src 'self'",
                f"connect-src {' '.join(connect)}",
                "img-src 'self' data:",
                "frame-ancestors 'none'",
                "base-uri 'none'",
                "form-action 'self'",
            )
        )


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    content_type: str
    cache_control: str
    etag: str


def _asset(body: bytes, suffix: str, cache_control: str) -> Asset:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Asset(body, gzip.compress(body, 9, mtime=0), CONTENT_TYPES[suffix], cache_control, etag)


def hashed_name(name: str, body: bytes) -> str:
    """``<stem>.<first 12 hex of the body's SHA-256>.<ext>``: a new address whenever the file changes."""
    stem, _, extension = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(body).hexdigest()[:12]}.{extension}"


def _fill(text: str, placeholder: str, value: str, source: str) -> str:
    if placeholder not in text:  # a broken package fails its first request, not a browser later
        raise RuntimeError(f"{source} has no {placeholder}")
    return text.replace(placeholder, value)


def load_assets(config: ConsoleConfig, static: Path = STATIC) -> dict[str, Asset]:
    """What the console serves, by the path after /console/ ("" is the page)."""
    assets: dict[str, Asset] = {}

    def add_hashed(name: str, body: bytes) -> str:
        hashed = hashed_name(name, body)
        assets[hashed] = _asset(body, Path(name).suffix, IMMUTABLE)
        return hashed

    # The element's script names its stylesheet, so it is hashed once that name is written into it.
    element_css = add_hashed(ELEMENT_STYLESHEET, (static / ELEMENT_STYLESHEET).read_bytes())
    element_js = _fill(
        (static / ELEMENT_ALIAS).read_text(encoding="utf-8"),
        "__KEYSMITH_TOKENS_CSS__",
        element_css,
        ELEMENT_ALIAS,
    ).encode("utf-8")
    assets[ELEMENT_ALIAS] = _asset(element_js, ".js", "no-cache")
    page = (static / "index.html").read_text(encoding="utf-8")
    for placeholder, value in (
        ("__CONSOLE_CSS__", PREFIX + add_hashed("console.css", (static / "console.css").read_bytes())),
        ("__KEYSMITH_TOKENS_JS__", PREFIX + add_hashed(ELEMENT_ALIAS, element_js)),
        ("__CONSOLE_JS__", PREFIX + add_hashed("console.js", (static / "console.js").read_bytes())),
        ("__MODE__", html.escape(config.mode, quote=True)),
        ("__ISSUER__", html.escape(config.issuer if config.mode == "oidc" else "", quote=True)),
        ("__CLIENT_ID__", html.escape(config.client_id if config.mode == "oidc" else "", quote=True)),
        ("__SCOPES__", html.escape(config.scopes, quote=True)),
        ("__ROLES_CLAIM__", html.escape(config.roles_claim, quote=True)),
    ):
        page = _fill(page, placeholder, value, "index.html")
    assets[""] = assets["index.html"] = _asset(page.encode("utf-8"), ".html", "no-cache")
    return assets


CONFIG = ConsoleConfig.from_env(os.environ)
ASSETS = load_assets(CONFIG) if CONFIG.mode != "off" else {}


def _headers(config: ConsoleConfig, request_id: str, **extra: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": config.content_security_policy(),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "X-Request-Id": request_id,
        **extra,
    }


def _not_found(config: ConsoleConfig, path: str, request_id: str) -> dict[str, Any]:
    body = {
        "type": "urn:keysmith:problem:not-found",
        "title": "Not found",
        "status": 404,
        "detail": f"No route matches {path}.",
        "instance": path,
        "request_id": request_id,
    }
    return {
        "statusCode": 404,
        "headers": _headers(
            config, request_id, **{"Content-Type": "application/problem+json", "Cache-Control": "no-store"}
        ),
        "body": json.dumps(body, separators=(",", ":")),
    }


def _header(event: Mapping[str, Any], name: str) -> str:
    headers = event.get("headers") or {}
    return next((str(v) for k, v in headers.items() if k.lower() == name), "")


def respond(event: Mapping[str, Any], config: ConsoleConfig, assets: Mapping[str, Asset]) -> dict[str, Any]:
    context = event.get("requestContext") or {}
    request_id = str(context.get("requestId") or uuid.uuid4())
    path = str(event.get("rawPath") or "/")
    if config.mode == "off":
        return _not_found(config, path, request_id)
    if path == PREFIX.rstrip("/"):
        asset = assets.get("")
    else:
        asset = assets.get(path[len(PREFIX) :]) if path.startswith(PREFIX) else None
    if asset is None:
        return _not_found(config, path, request_id)
    headers = _headers(
        config,
        request_id,
        **{"Content-Type": asset.content_type, "Cache-Control": asset.cache_control, "ETag": asset.etag},
        Vary="Accept-Encoding",
    )
    if asset.etag in {tag.strip() for tag in _header(event, "if-none-match").split(",")}:
        return {"statusCode": 304, "headers": headers, "body": ""}
    if "gzip" in _header(event, "accept-encoding").lower():
        headers["Content-Encoding"] = "gzip"
        body = base64.b64encode(asset.gzipped).decode("ascii")
        return {"statusCode": 200, "headers": headers, "body": body, "isBase64Encoded": True}
    return {"statusCode": 200, "headers": headers, "body": asset.body.decode("utf-8")}


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return respond(event, CONFIG, ASSETS)
