"""The local stack: what every local run needs around the functions. DynamoDB Local with the
table as template.yaml defines it, the session signer, the functions' environment (template.yaml's
Globals with the local overrides), the functions, and the gateway in front of them. For ``make
invoke``, which runs without the dev server, ``JwksServer`` publishes the signer's JWKS.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from local import ddb
from local.gateway import Gateway
from local.lambda_runtime import LocalFunctions, enable_layers
from local.sessions import LOCAL_AUDIENCE, LOCAL_ISSUER, SessionSigner
from local.template import global_environment, load_template
from local.terminal import Warn, stderr_warning

LOCAL_TABLE_NAME = "keysmith-local"
CORS_PARAMETER = "CorsAllowedOrigins"
# JWT keys made locally: their issuer, and the signing key file under the data folder (made when missing)
LOCAL_KEY_ISSUER = "https://keysmith.local/keys"
SIGNING_KEY_FILE = "jwt-signing-key.pem"


# ------------------------------------------------------------------------------ environment
def local_environment(
    template: Mapping[str, Any],
    *,
    dynamodb_endpoint: str,
    jwks_url: str,
    table_name: str = LOCAL_TABLE_NAME,
    signing_key_file: Path | None = None,
) -> dict[str, str]:
    """The functions' environment: template.yaml's Globals with the local overrides on top."""
    overrides = {
        "TABLE_NAME": table_name,
        "DYNAMODB_ENDPOINT_URL": dynamodb_endpoint,
        # boto3 honours this too: a client made without endpoint_url still never reaches AWS.
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "JWKS_URL": jwks_url,
        "JWT_ISSUER": LOCAL_ISSUER,
        "JWT_AUDIENCE": LOCAL_AUDIENCE,
        "AWS_DEFAULT_REGION": ddb.REGION,
        "AWS_REGION": ddb.REGION,
        **ddb.FAKE_CREDENTIALS,
        "POWERTOOLS_TRACE_DISABLED": "1",
        "KEY_ISSUER": LOCAL_KEY_ISSUER,
        "PREVIOUS_SIGNING_KEYS": "",
    }
    if signing_key_file is not None:
        overrides["SIGNING_KEY"] = f"file:{signing_key_file.resolve()}"
    environment = global_environment(template, overrides)
    environment.setdefault("POWERTOOLS_SERVICE_NAME", "keysmith")
    environment.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Keysmith")
    return environment


def apply_environment(environment: Mapping[str, str]) -> None:
    """Set the process environment for the functions: call before importing any of them."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)  # never a real identity next to the fake credentials
    os.environ.update(environment)


# ------------------------------------------------------------------------------ the stack
class LocalStack:
    """What every local invocation needs: DynamoDB Local with the table, the session signer, the
    functions' environment and the functions. Used as a context manager; stops what it started."""

    def __init__(
        self,
        *,
        data_dir: Path = ddb.DEFAULT_DATA_DIR,
        dynamodb_endpoint: str | None = None,
        in_memory: bool = False,
        dynamodb_port: int = 0,
        reuse_running: bool = True,
        table_name: str = LOCAL_TABLE_NAME,
        template: Mapping[str, Any] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.template = load_template() if template is None else template
        self.table_name = table_name
        self._endpoint = dynamodb_endpoint
        self._in_memory = in_memory
        self._port = dynamodb_port
        self._reuse_running = reuse_running
        self.dynamodb: ddb.DynamoDBLocal | None = None  # the one we started, if any
        self.signer = SessionSigner.load_or_create(data_dir)
        self.functions = LocalFunctions(self.template)
        self.endpoint = ""

    def start_dynamodb(self, warn: Warn = stderr_warning) -> str:
        """Find or start DynamoDB Local and make sure the table is there; its endpoint."""
        if self._endpoint:
            if not ddb.answers(self._endpoint):
                raise ddb.DynamoDBLocalError(f"nothing answers DynamoDB calls at {self._endpoint}")
            self.endpoint = self._endpoint
        elif self._in_memory:
            self.dynamodb = ddb.DynamoDBLocal(port=self._port).start()
            self.endpoint = self.dynamodb.endpoint
        else:
            running = ddb.running_endpoint(self.data_dir)
            if running and self._reuse_running:
                self.endpoint = running
            elif running:
                raise ddb.DynamoDBLocalError(
                    f"DynamoDB Local for {self.data_dir} already runs at {running} (make dev or make"
                    f" invoke?); stop it, or pass --dynamodb-endpoint {running}"
                )
            else:
                port = self._port
                if port and ddb.port_in_use(port):
                    warn(f"port {port} is taken; DynamoDB Local takes a free port instead")
                    port = 0
                self.dynamodb = ddb.DynamoDBLocal(
                    db_path=self.data_dir / "dynamodb",
                    port=port,
                    log_path=self.data_dir / "dynamodb.log",
                    state_dir=self.data_dir,
                ).start()
                self.endpoint = self.dynamodb.endpoint
        ddb.ensure_table(ddb.make_client(self.endpoint), self.table_name, self.template)
        return self.endpoint

    def configure(self, jwks_url: str) -> dict[str, str]:
        """Set the functions' environment and put the layer on sys.path; before any function import."""
        environment = local_environment(
            self.template,
            dynamodb_endpoint=self.endpoint,
            jwks_url=jwks_url,
            table_name=self.table_name,
            signing_key_file=self.data_dir / SIGNING_KEY_FILE,
        )
        apply_environment(environment)
        enable_layers(self.template)
        return environment

    def gateway(self, cors_origins: str | None = None, warn: Warn = stderr_warning) -> Gateway:
        """The gateway in front of this stack's functions; ``cors_origins`` (comma-separated) stands
        for the template's CorsAllowedOrigins parameter, whose default applies when it is None."""
        parameters = {} if cors_origins is None else {CORS_PARAMETER: cors_origins}
        return Gateway.from_template(self.template, self.functions.invoke, parameters, warn)

    def close(self) -> None:
        if self.dynamodb is not None:
            self.dynamodb.stop()
            self.dynamodb = None

    def __enter__(self) -> LocalStack:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class JwksServer:
    """A tiny HTTP server for the signer's JWKS, so that ``make invoke`` needs no dev server."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        body = json.dumps(jwks).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="jwks", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/_local/jwks.json"

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
