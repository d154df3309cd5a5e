"""``make dev``: both HTTP APIs of template.yaml on http://127.0.0.1:3000, as ``sam local start-api``
would serve them, on a persistent DynamoDB Local, without Docker.

Every request goes through the one gateway emulation (``local.gateway``): the public API at the
root, the internal API under ``/internal`` (no signature check: every caller is the local
operator), CORS as the template's CorsAllowedOrigins sets it (``--cors-origins`` or
``$CORS_ALLOWED_ORIGINS`` stand for that parameter). Any method reaches the gateway, so a method no
route serves is answered as API Gateway answers it: by the ``$default`` route's function. The
development-only ``/_local/`` routes are answered here (``local.dev_routes``).

    python -m local.server [--port 3000] [--data-dir .local] [--in-memory | --dynamodb-endpoint URL]
                           [--cors-origins https://app.example]
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import sys
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from local import ddb
from local.dev_routes import DevRoutes
from local.gateway import Gateway, HttpRequest, HttpResponse, gateway_error, new_request_id
from local.stack import LOCAL_TABLE_NAME, LocalStack
from local.template import TemplateError
from local.terminal import stop_on_signals

DEFAULT_PORT = 3000
DEFAULT_DYNAMODB_PORT = 8000  # what events/env.local.json points sam local invoke at
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit; the API's own 16 KiB is the functions'
METHOD_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110's token


class LocalApp:
    """What the server answers: the ``/_local/`` routes itself, everything else through the gateway."""

    def __init__(self, gateway: Gateway, dev_routes: DevRoutes) -> None:
        self.gateway = gateway
        self.dev_routes = dev_routes

    def handle(self, request: HttpRequest, request_id: str) -> HttpResponse:
        if self.dev_routes.serves(request):
            return self.dev_routes.handle(request, request_id)
        return self.gateway.handle(request, request_id)


# ------------------------------------------------------------------------------ HTTP
class LocalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a hung request never keeps Ctrl-C from stopping the server
    app: LocalApp | None = None


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "keysmith-local"
    server: LocalHTTPServer

    def __getattr__(self, name: str) -> Any:
        """``do_<METHOD>`` for every method, so none is refused here (http.server's 501 and HTML)."""
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

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
            if not METHOD_TOKEN.fullmatch(self.command):
                self.close_connection = True
                response = gateway_error(400)
            elif body is None:
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
    parser.add_argument("--table-name", default=LOCAL_TABLE_NAME)
    parser.add_argument(
        "--cors-origins",
        default=os.environ.get("CORS_ALLOWED_ORIGINS"),
        help="origins the public API grants CORS, comma-separated, as the template's CorsAllowedOrigins"
        " (default $CORS_ALLOWED_ORIGINS, else the parameter's default: none)",
    )
    args = parser.parse_args(argv)

    stop_on_signals()
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
            httpd.app = LocalApp(stack.gateway(args.cors_origins), DevRoutes(stack.signer))
            storage_note = "in memory" if args.in_memory else f"data in {args.data_dir}"
            total = len(stack.functions.specs)
            out(f"DynamoDB Local: {endpoint} ({storage_note}); {len(loaded)} of {total} functions loaded")
            out(f"Keysmith local API: http://127.0.0.1:{port}  (internal API: /internal; Ctrl-C stops)")
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
