"""``make dev``: the HTTP API on http://127.0.0.1:3000 from template.yaml, as ``sam local start-api``
would serve it, on a persistent DynamoDB Local, without Docker.

Each request is matched to the template's routes as API Gateway does, passes the route's Lambda
authorizer when it has one, becomes a payload 2.0 event, and goes to the function's handler
imported in this process (see ``local/invoke.py``). Development only, never deployed, it also serves
``POST /_local/sessions`` (a session JWT for a user and tenant) and ``GET /_local/jwks.json`` (the
key that signs them, which the functions trust in local mode).

    python -m local.server [--port 3000] [--data-dir .local] [--in-memory | --dynamodb-endpoint URL]
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from local import ddb
from local.events import (
    HttpRequest,
    HttpResponse,
    Route,
    build_event,
    gateway_error,
    match_route,
    new_request_id,
    to_http_response,
)
from local.invoke import Gateway, LocalFunctions, LocalStack, Warn, stderr_warning
from local.sessions import SessionSigner
from local.template import TemplateError

DEFAULT_PORT = 3000
DEFAULT_DYNAMODB_PORT = 8000  # what events/env.local.json points sam local invoke at
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit; the API's own 16 KiB is the functions'
MAX_FIELD_LENGTH = 128
MAX_ROLES = 20
SESSION_FIELDS = ("user_id", "tenant_id", "roles")

# Development-only routes, served by the server itself (never by a function, never deployed).
SESSIONS_ROUTE = Route("POST", "/_local/sessions", "local:sessions")
JWKS_ROUTE = Route("GET", "/_local/jwks.json", "local:jwks")
LOCAL_ROUTES = (SESSIONS_ROUTE, JWKS_ROUTE)


# ------------------------------------------------------------------------------ the local-only routes
def session_request(body: dict[str, Any]) -> tuple[str, str, list[str]]:
    """``{"user_id", "tenant_id", "roles"?}`` checked as the session verifier will read it (else 422)."""
    from keysmith.domain.grammar import IDENTIFIER  # the layer is importable once the stack is configured
    from keysmith.domain.problems import Problem

    errors: list[dict[str, str]] = []
    for name in body:
        if name not in SESSION_FIELDS:
            errors.append({"pointer": f"/{name}", "detail": "Unknown field."})
    for name in ("user_id", "tenant_id"):
        value = body.get(name)
        if not isinstance(value, str) or not value:
            errors.append({"pointer": f"/{name}", "detail": "Required: a non-empty string."})
        elif len(value) > MAX_FIELD_LENGTH:
            errors.append({"pointer": f"/{name}", "detail": f"At most {MAX_FIELD_LENGTH} characters."})
        elif not IDENTIFIER.fullmatch(value):
            errors.append(
                {
                    "pointer": f"/{name}",
                    "detail": "Letters, digits and ._:@|+=- only, starting with a letter or digit.",
                }
            )
    roles = body.get("roles", [])
    if not isinstance(roles, list) or len(roles) > MAX_ROLES:
        errors.append({"pointer": "/roles", "detail": f"A list of at most {MAX_ROLES} role names."})
        roles = []
    for index, role in enumerate(roles):
        if not isinstance(role, str) or not role or len(role) > MAX_FIELD_LENGTH:
            errors.append(
                {
                    "pointer": f"/roles/{index}",
                    "detail": f"A non-empty string of at most {MAX_FIELD_LENGTH} characters.",
                }
            )
    if errors:
        raise Problem(
            "validation-error", "The session request breaks a field rule; see errors.", errors=errors
        )
    return body["user_id"], body["tenant_id"], list(dict.fromkeys(roles))


def _json(status: int, body: Any, request_id: str, **headers: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "X-Request-Id": request_id, **headers},
        "body": json.dumps(body, separators=(",", ":")),
    }


class LocalApi(Gateway):
    """The gateway, plus the development-only ``/_local/`` routes the server answers itself."""

    def __init__(self, functions: LocalFunctions, signer: SessionSigner, warn: Warn = stderr_warning) -> None:
        super().__init__(functions, warn)
        self.signer = signer
        self.jwks = signer.jwks()

    def handle(self, request: HttpRequest, request_id: str) -> HttpResponse:
        if request.raw_path.startswith("/_local/"):
            return self._local(request, request_id)
        return super().handle(request, request_id)

    def _local(self, request: HttpRequest, request_id: str) -> HttpResponse:
        from keysmith.domain.problems import Problem
        from keysmith.http.answers import problem_result
        from keysmith.http.request_guard import REQUIRED_BODY, read_body

        match = match_route(LOCAL_ROUTES, request.method, request.raw_path)
        event = build_event(request, match, request_id=request_id) if match else {}
        try:
            if match is None:
                methods = sorted({r.method for r in LOCAL_ROUTES if r.path == request.raw_path})
                if methods:
                    raise Problem(
                        "method-not-allowed",
                        f"{request.method} is not allowed on {request.raw_path}; use {', '.join(methods)}.",
                        headers={"Allow": ", ".join(methods)},
                    )
                raise Problem("not-found", f"No local route matches {request.raw_path}.")
            if match.route is JWKS_ROUTE:
                result = _json(200, self.jwks, request_id)
            else:
                body = read_body(event, REQUIRED_BODY) or {}
                user_id, tenant_id, roles = session_request(body)
                token, expires_at = self.signer.mint(user_id, tenant_id, roles)
                result = _json(
                    200,
                    {"token": token, "expires_at": expires_at},
                    request_id,
                    **{"Cache-Control": "no-store"},
                )
        except Problem as problem:
            result = problem_result(problem, request.raw_path, request_id)
        return to_http_response(result)


# ------------------------------------------------------------------------------ HTTP
class LocalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a hung request never keeps Ctrl-C from stopping the server
    app: LocalApi | None = None


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "keysmith-local"
    server: LocalHTTPServer

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def _read_body(self) -> bytes | None:
        """The request body (chunked or with Content-Length); None when it is over the limit."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_REQUEST_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        started = time.monotonic()
        request_id = new_request_id()
        path = self.path.partition("?")[0]
        try:
            body = self._read_body()
            if body is None:
                self.close_connection = True
                response = gateway_error(413)
            else:
                request = HttpRequest.from_target(
                    self.command,
                    self.path,
                    self.headers.items(),
                    body,
                    source_ip=self.client_address[0],
                    protocol=self.request_version,
                )
                assert self.server.app is not None
                response = self.server.app.handle(request, request_id)
        except Exception:
            print(f"local server error:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
            self.close_connection = True
            response = gateway_error(500)
        self._send(response, request_id)
        # One line per request; never a header (Authorization) or a body.
        elapsed = (time.monotonic() - started) * 1000
        print(f"{self.command} {path} {response.status} {elapsed:.0f}ms", file=sys.stderr, flush=True)

    def _send(self, response: HttpResponse, request_id: str) -> None:
        try:
            self.send_response(response.status)
            names = {name.lower() for name, _ in response.headers}
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("apigw-requestid", request_id)
            bodiless = response.status in (204, 304) or response.status < 200
            if "content-length" not in names and not bodiless:
                self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD" and not bodiless:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # the base's signature
        pass  # our own line per request in _handle; http.server's would print the query string


# ------------------------------------------------------------------------------ command line
def _port_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() else default


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=_port_from_env("PORT", DEFAULT_PORT),
        help="default $PORT or 3000; 0 picks one",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=ddb.DEFAULT_DATA_DIR, help="default .local/ (git-ignored)"
    )
    storage = parser.add_mutually_exclusive_group()
    storage.add_argument("--in-memory", action="store_true", help="DynamoDB Local in memory: nothing kept")
    storage.add_argument("--dynamodb-endpoint", help="use this DynamoDB Local instead of starting one")
    parser.add_argument(
        "--dynamodb-port",
        type=int,
        default=_port_from_env("DYNAMODB_LOCAL_PORT", DEFAULT_DYNAMODB_PORT),
        help="persistent DynamoDB Local's port (default $DYNAMODB_LOCAL_PORT or 8000; --in-memory picks one)",
    )
    parser.add_argument("--table-name", default="keysmith-local")
    args = parser.parse_args(argv)

    ddb.stop_on_signals()
    try:
        httpd = LocalHTTPServer((args.host, args.port), RequestHandler)
    except OSError as error:
        hint = f" (in use? try PORT={args.port + 1} make dev)" if error.errno == errno.EADDRINUSE else ""
        print(
            f"local server: cannot listen on {args.host}:{args.port}: {error.strerror}{hint}", file=sys.stderr
        )
        return 1
    port = int(httpd.server_address[1])
    try:
        with LocalStack(
            data_dir=args.data_dir,
            dynamodb_endpoint=args.dynamodb_endpoint,
            in_memory=args.in_memory,
            dynamodb_port=0 if args.in_memory else args.dynamodb_port,
            reuse_running=False,
            table_name=args.table_name,
        ) as stack:
            endpoint = stack.start_dynamodb()
            stack.configure(jwks_url=f"http://127.0.0.1:{port}/_local/jwks.json")
            loaded = stack.functions.load_all()
            httpd.app = LocalApi(stack.functions, stack.signer)
            storage_note = "in memory" if args.in_memory else f"data in {args.data_dir}"
            total = len(stack.functions.specs)
            out(f"DynamoDB Local: {endpoint} ({storage_note}); {len(loaded)} of {total} functions loaded")
            out(f"Keysmith local API: http://127.0.0.1:{port}  (Ctrl-C stops)")
            sys.stdout.flush()
            httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    except (ddb.DynamoDBLocalError, TemplateError) as error:
        print(f"local server: {error}", file=sys.stderr)
        return 1
    finally:
        httpd.server_close()
    print("local server: stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
