"""``make invoke FUNCTION=<LogicalId> EVENT=events/<file>.json``: one function, one event, locally.

This module is also the local Lambda runtime the local server uses: the functions' environment
(template.yaml's Globals plus local overrides), the layer on ``sys.path`` as Lambda's ``/opt/python``,
each ``functions/<name>/app.py`` imported by file path under its own module name, a Lambda context
object, and DynamoDB Local (the dev server's when it runs, else one started for the invocation).

Event files are real API Gateway (payload 2.0) events with placeholders for what cannot be written
down ahead of time (see README, "Local development"):

- ``{{session:<user>:<tenant>}}`` or ``{{session:<user>:<tenant>:<role>,<role>}}``: a freshly minted
  local session JWT (typically after ``Bearer ``).
- ``{{key:<label>}}`` or ``{{key:<label>:<field>}}`` or ``{{key:<label>:<field>:<status>}}``: a key
  created for this invocation through CreateKeyFunction (as the event's first session, else
  ``u_local`` in tenant ``local``) with every allowed scope, then brought to ``<status>`` (``active``,
  ``suspended`` or ``revoked``) through the suspend/revoke functions. ``<field>`` is ``id`` (the
  default) or ``secret`` (the plaintext). Every mention of one label is the same key.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from local import ddb
from local.events import (
    HttpRequest,
    HttpResponse,
    InvalidLambdaResult,
    LambdaContext,
    Route,
    authorizer_decision,
    build_authorizer_event,
    build_event,
    gateway_error,
    identity_values,
    match_route,
    new_request_id,
    template_routes,
    to_http_response,
)
from local.sessions import LOCAL_AUDIENCE, LOCAL_ISSUER, SessionSigner
from local.template import (
    REPO_ROOT,
    FunctionSpec,
    TemplateError,
    functions,
    global_environment,
    load_template,
)

LOCAL_TABLE_NAME = "keysmith-local"
EVENTS_DIR = REPO_ROOT / "events"
LAMBDA_DEFAULT_TIMEOUT = 3
LAMBDA_DEFAULT_MEMORY = 128

Warn = Callable[[str], None]


def stderr_warning(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


class InvokeError(RuntimeError):
    """The invocation could not be set up (unknown function, bad placeholder, failed key set-up...)."""


# ------------------------------------------------------------------------------ environment
def local_environment(
    template: Mapping[str, Any], *, dynamodb_endpoint: str, jwks_url: str, table_name: str = LOCAL_TABLE_NAME
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
    }
    environment = global_environment(template, overrides)
    environment.setdefault("POWERTOOLS_SERVICE_NAME", "keysmith")
    environment.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Keysmith")
    return environment


def apply_environment(environment: Mapping[str, str]) -> None:
    """Set the process environment for the functions: call before importing any of them."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)  # never a real identity next to the fake credentials
    os.environ.update(environment)


def layer_paths(template: Mapping[str, Any]) -> list[Path]:
    """Every layer's ContentUri: with BuildMethod python3.13 its root is what Lambda puts on sys.path."""
    paths = []
    for resource in (template.get("Resources") or {}).values():
        if isinstance(resource, Mapping) and resource.get("Type") == "AWS::Serverless::LayerVersion":
            content = (resource.get("Properties") or {}).get("ContentUri")
            if isinstance(content, str):
                paths.append(REPO_ROOT / content)
    return paths


def enable_layers(template: Mapping[str, Any]) -> None:
    for path in reversed(layer_paths(template)):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


# ------------------------------------------------------------------------------ functions
# One invocation at a time in this process: the functions share module state that in Lambda lives
# in separate execution environments (Powertools' metrics buffer, the logger's keys, caches).
_INVOCATION_LOCK = threading.Lock()


@dataclass
class LocalFunction:
    spec: FunctionSpec
    handler: Callable[[dict[str, Any], Any], Any]
    timeout_seconds: float
    memory_mb: str

    def __call__(self, event: dict[str, Any], warn: Warn = stderr_warning) -> Any:
        with _INVOCATION_LOCK:
            context = LambdaContext(self.spec.logical_id, self.timeout_seconds, self.memory_mb)
            started = time.monotonic()
            try:
                return self.handler(event, context)
            finally:
                elapsed = time.monotonic() - started
                if elapsed > self.timeout_seconds:
                    warn(
                        f"{self.spec.logical_id} took {elapsed:.1f}s, over its {self.timeout_seconds:g}s"
                        " timeout: Lambda would have stopped it"
                    )


class FunctionNotFound(LookupError):
    """The template names the function but its code is not there (yet)."""


class LocalFunctions:
    """The template's functions, imported on first use (or all at once with ``load_all``)."""

    def __init__(self, template: Mapping[str, Any]) -> None:
        self.template = template
        self.specs = {spec.logical_id: spec for spec in functions(template)}
        self.routes: list[Route] = template_routes(template)
        self._loaded: dict[str, LocalFunction] = {}
        self._import_lock = threading.Lock()

    def resolve(self, name: str) -> FunctionSpec:
        """A function by logical id (``GetKeyFunction``) or folder name (``get_key``)."""
        if name in self.specs:
            return self.specs[name]
        for spec in self.specs.values():
            if Path(spec.code_uri).name == name:
                return spec
        raise InvokeError(f"no function {name!r} in template.yaml; known: {', '.join(self.specs)}")

    def for_event_file(self, path: Path) -> FunctionSpec:
        """The function an event file is for: ``events/get_key.json`` -> ``functions/get_key``."""
        return self.resolve(path.stem)

    def setting(self, spec: FunctionSpec, name: str, default: Any) -> Any:
        globals_ = (self.template.get("Globals") or {}).get("Function") or {}
        return spec.properties.get(name, globals_.get(name, default))

    def get(self, logical_id: str) -> LocalFunction:
        """The function, imported on first use. A failed import is tried again next time, as Lambda
        retries a failed init, so a function written while the server runs starts to answer."""
        if logical_id in self._loaded:
            return self._loaded[logical_id]
        spec = self.resolve(logical_id)
        with self._import_lock:
            if spec.logical_id not in self._loaded:
                self._loaded[spec.logical_id] = LocalFunction(
                    spec,
                    _import_handler(spec),
                    float(self.setting(spec, "Timeout", LAMBDA_DEFAULT_TIMEOUT)),
                    str(self.setting(spec, "MemorySize", LAMBDA_DEFAULT_MEMORY)),
                )
            return self._loaded[spec.logical_id]

    def load_all(self, warn: Warn = stderr_warning) -> list[str]:
        """Import every function now (as Lambda's init would); the ids of those that loaded."""
        loaded = []
        for logical_id, spec in self.specs.items():
            if (spec.properties.get("Environment") or {}).get("Variables"):
                warn(f"{logical_id} has its own Environment; locally every function gets only the Globals")
            try:
                self.get(logical_id)
                loaded.append(logical_id)
            except FunctionNotFound as missing:
                warn(f"{missing}; its routes answer 500 until it is written")
            except Exception:
                warn(f"{logical_id} failed to import; its routes answer 500:\n{traceback.format_exc()}")
        return loaded


class Gateway:
    """API Gateway in front of the functions: routing, the Lambda authorizer gate, the payload 2.0
    events, and its own answers (404 without a route, 401/403 from the gate, 500 on a failure)."""

    def __init__(self, functions: LocalFunctions, warn: Warn = stderr_warning) -> None:
        self.functions = functions
        self.warn = warn

    def handle(self, request: HttpRequest, request_id: str) -> HttpResponse:
        match = match_route(self.functions.routes, request.method, request.raw_path)
        if match is None:
            return gateway_error(404)
        context: dict[str, Any] | None = None
        authorizer = match.route.authorizer
        if authorizer is not None:
            identity = identity_values(request, authorizer.identity_sources)
            if identity is None:
                return gateway_error(401)  # API Gateway does not call the authorizer then
            event = build_authorizer_event(request, match, request_id=request_id, identity_source=identity)
            try:
                allowed, context = authorizer_decision(self._invoke(authorizer.function, event))
            except Exception:
                self._report(authorizer.function)
                return gateway_error(500)
            if not allowed:
                return gateway_error(403)
        event = build_event(request, match, request_id=request_id, authorizer_context=context)
        try:
            return to_http_response(self._invoke(match.route.function, event), warn=self.warn)
        except Exception:
            self._report(match.route.function)
            return gateway_error(500)

    def _invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        return self.functions.get(logical_id)(event, self.warn)

    def _report(self, logical_id: str) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, InvalidLambdaResult):
            self.warn(f"{logical_id} returned a result API Gateway cannot use ({error}): 500")
        elif isinstance(error, FunctionNotFound):
            self.warn(f"{error}: 500")
        else:
            print(
                f"{logical_id} failed; API Gateway answers 500:\n{traceback.format_exc()}",
                file=sys.stderr,
                flush=True,
            )


def _import_handler(spec: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
    code_dir = REPO_ROOT / spec.code_uri
    path = code_dir / (spec.module.replace(".", "/") + ".py")
    if not path.is_file():
        raise FunctionNotFound(f"{spec.logical_id}: {path.relative_to(REPO_ROOT)} does not exist yet")
    module_name = f"keysmith_local_function_{spec.logical_id}"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise FunctionNotFound(f"{spec.logical_id}: cannot import {path}")
    module: ModuleType = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(code_dir))  # Lambda's task root: the function's own modules import
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    finally:
        sys.path.remove(str(code_dir))
    handler = getattr(module, spec.attribute, None)
    if not callable(handler):
        raise FunctionNotFound(f"{spec.logical_id}: {path.relative_to(REPO_ROOT)} has no {spec.attribute}()")
    return handler  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ the local stack
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
            self.template, dynamodb_endpoint=self.endpoint, jwks_url=jwks_url, table_name=self.table_name
        )
        apply_environment(environment)
        enable_layers(self.template)
        return environment

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


# ------------------------------------------------------------------------------ placeholders
PLACEHOLDER = re.compile(r"\{\{\s*([a-z]+):([^{}]*?)\s*\}\}")
KEY_FIELDS = ("id", "secret")
KEY_STATUSES = ("active", "suspended", "revoked")
SAFE_VALUE = re.compile(r"[A-Za-z0-9._\-]+")


@dataclass(frozen=True, slots=True)
class SessionSpec:
    user_id: str
    tenant_id: str
    roles: tuple[str, ...] = ()

    @classmethod
    def parse(cls, argument: str) -> SessionSpec:
        parts = argument.split(":")
        if len(parts) not in (2, 3) or not all(parts[:2]):
            raise InvokeError(f"{{{{session:{argument}}}}}: write {{{{session:<user>:<tenant>[:<roles>]}}}}")
        roles = tuple(r.strip() for r in parts[2].split(",") if r.strip()) if len(parts) == 3 else ()
        return cls(parts[0], parts[1], roles)


DEFAULT_OWNER = SessionSpec("u_local", "local")


@dataclass(slots=True)
class KeyPlan:
    label: str
    status: str = "active"
    fields: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class CreatedKey:
    id: str
    secret: str


def parse_key(argument: str) -> tuple[str, str, str | None]:
    """``<label>[:<field>[:<status>]]`` -> (label, field, status or None)."""
    parts = argument.split(":")
    label = parts[0]
    key_field = parts[1] if len(parts) > 1 else "id"
    status = parts[2] if len(parts) > 2 else None
    if not label or len(parts) > 3 or key_field not in KEY_FIELDS or status not in (None, *KEY_STATUSES):
        raise InvokeError(
            f"{{{{key:{argument}}}}}: write {{{{key:<label>[:<field>[:<status>]]}}}} with field"
            f" {' or '.join(KEY_FIELDS)} and status {' or '.join(KEY_STATUSES)}"
        )
    return label, key_field, status


def placeholders(text: str) -> tuple[list[SessionSpec], dict[str, KeyPlan]]:
    """The sessions (in order of appearance) and keys an event's text asks for."""
    sessions: list[SessionSpec] = []
    keys: dict[str, KeyPlan] = {}
    for match in PLACEHOLDER.finditer(text):
        kind, argument = match.group(1), match.group(2)
        if kind == "session":
            sessions.append(SessionSpec.parse(argument))
        elif kind == "key":
            label, key_field, status = parse_key(argument)
            plan = keys.setdefault(label, KeyPlan(label))
            if status is not None and plan.status != "active" and plan.status != status:
                raise InvokeError(f"key {label!r} is asked for as both {plan.status} and {status}")
            if status is not None and status != "active":
                plan.status = status
            plan.fields.add(key_field)
        else:
            raise InvokeError(
                f"unknown placeholder {match.group(0)}: use {{{{session:...}}}} or {{{{key:...}}}}"
            )
    return sessions, keys


def render(
    text: str,
    mint: Callable[[SessionSpec], str],
    make_key: Callable[[KeyPlan, SessionSpec], CreatedKey],
) -> str:
    """The event text with every placeholder replaced: sessions minted, keys made (as the first session)."""
    sessions, plans = placeholders(text)
    owner = sessions[0] if sessions else DEFAULT_OWNER
    tokens = {spec: mint(spec) for spec in dict.fromkeys(sessions)}
    keys = {label: make_key(plan, owner) for label, plan in plans.items()}

    def replace(match: re.Match[str]) -> str:
        kind, argument = match.group(1), match.group(2)
        if kind == "session":
            value = tokens[SessionSpec.parse(argument)]
        else:
            label, key_field, _ = parse_key(argument)
            value = getattr(keys[label], key_field)
        if not SAFE_VALUE.fullmatch(value):  # it lands inside JSON strings (even JSON in JSON)
            raise InvokeError(f"{match.group(0)} produced a value that is unsafe to substitute")
        return value

    return PLACEHOLDER.sub(replace, text)


# ------------------------------------------------------------------------------ the invoker
class Invoker:
    """Invokes the template's functions with (rendered) events on a started LocalStack."""

    def __init__(self, stack: LocalStack, warn: Warn = stderr_warning) -> None:
        self.stack = stack
        self.warn = warn

    def mint(self, spec: SessionSpec) -> str:
        token, _ = self.stack.signer.mint(spec.user_id, spec.tenant_id, list(spec.roles))
        return token

    def call_route(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        """A request through the gateway, as a client would make it; (status, JSON body)."""
        raw = json.dumps(body).encode() if body is not None else b""
        headers = [
            ("Host", "127.0.0.1"),
            ("User-Agent", "keysmith-local-invoke"),
            ("Authorization", f"Bearer {token}"),
        ]
        if raw:
            headers.append(("Content-Type", "application/json"))
        request = HttpRequest.from_target(method, path, headers, raw)
        response = Gateway(self.stack.functions, self.warn).handle(request, new_request_id())
        return response.status, json.loads(response.body) if response.body else None

    def make_key(self, plan: KeyPlan, owner: SessionSpec) -> CreatedKey:
        token = self.mint(owner)
        scopes = [s for s in os.environ.get("ALLOWED_SCOPES", "read").split(",") if s]
        status, body = self.call_route(
            "POST", "/v1/api-keys", token, {"name": f"make invoke: {plan.label}", "scopes": scopes}
        )
        if status != 201:
            raise InvokeError(f"creating key {plan.label!r} answered {status}: {json.dumps(body)}")
        created = CreatedKey(body["id"], body["key"])
        if plan.status in ("suspended", "revoked"):
            action = "suspend" if plan.status == "suspended" else "revoke"
            status, answer = self.call_route("POST", f"/v1/api-keys/{created.id}/{action}", token)
            if status != 200:
                raise InvokeError(
                    f"making key {plan.label!r} {plan.status} answered {status}: {json.dumps(answer)}"
                )
        print(
            f"invoke: key {plan.label!r} is {created.id} ({plan.status}, {owner.user_id}@{owner.tenant_id})",
            file=sys.stderr,
        )
        return created

    def render_file(self, path: Path) -> dict[str, Any]:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise InvokeError(f"cannot read the event {path}: {error.strerror}") from None
        rendered = render(text, self.mint, self.make_key)
        try:
            event = json.loads(rendered)
        except json.JSONDecodeError as error:
            raise InvokeError(f"{path} is not JSON: {error}") from None
        if not isinstance(event, dict):
            raise InvokeError(f"{path} must hold a JSON object (an API Gateway event)")
        return event

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        return self.stack.functions.get(self.stack.functions.resolve(function).logical_id)(event, self.warn)


@contextlib.contextmanager
def started(stack: LocalStack) -> Iterator[Invoker]:
    """DynamoDB Local, the table, a JWKS endpoint and the environment, for one or more invocations."""
    with stack:
        stack.start_dynamodb()
        with JwksServer(stack.signer.jwks()) as jwks:
            stack.configure(jwks.url)
            yield Invoker(stack)


def lambda_error(error: BaseException) -> dict[str, Any]:
    """What Lambda reports for an unhandled exception (as ``sam local invoke`` prints it)."""
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


# ------------------------------------------------------------------------------ command line
def _split_targets(targets: list[str]) -> tuple[str | None, Path | None]:
    function: str | None = None
    event: Path | None = None
    for target in targets:
        if target.endswith(".json") or os.sep in target:
            event = Path(target)
        else:
            function = target
    return function, event


def _result_stream() -> IO[str]:
    """The real stdout for the result, with fd 1 pointed at stderr: function logs stay off the result."""
    sys.stdout.flush()
    result = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.invoke",
        description="Invoke one function locally with an API Gateway event file and print its result.",
    )
    parser.add_argument(
        "targets",
        nargs="*",
        metavar="FUNCTION|EVENT",
        help="a logical id (GetKeyFunction) or folder name (get_key), and/or an event file;"
        " either alone is enough: events/<folder>.json goes with functions/<folder>",
    )
    parser.add_argument("--all", action="store_true", help="invoke every events/*.json; one JSON line each")
    parser.add_argument("--render", action="store_true", help="print the event with placeholders filled in")
    parser.add_argument("--data-dir", type=Path, default=ddb.DEFAULT_DATA_DIR, help="default: .local/")
    parser.add_argument("--dynamodb-endpoint", help="use this DynamoDB (Local) instead of finding one")
    parser.add_argument("--table-name", default=LOCAL_TABLE_NAME)
    args = parser.parse_args(argv)
    function, event_path = _split_targets(args.targets)
    if not args.all and function is None and event_path is None:
        parser.error("name a FUNCTION, an EVENT file, or both (or --all)")
    ddb.stop_on_signals()
    out = _result_stream()
    try:
        stack = LocalStack(
            data_dir=args.data_dir, dynamodb_endpoint=args.dynamodb_endpoint, table_name=args.table_name
        )
        if not args.all:
            spec = stack.functions.resolve(function) if function else None
            if event_path is None:
                assert spec is not None
                event_path = EVENTS_DIR / f"{Path(spec.code_uri).name}.json"
            function = function or stack.functions.for_event_file(event_path).logical_id
        with started(stack) as invoker:
            if args.all:
                return _invoke_all(invoker, out)
            assert event_path is not None and function is not None
            event = invoker.render_file(event_path)
            if args.render:
                print(json.dumps(event, indent=2), file=out)
                return 0
            try:
                result = invoker.invoke(function, event)
            except Exception as error:
                traceback.print_exc()
                print(json.dumps(lambda_error(error), indent=2), file=out)
                return 1
            print(json.dumps(result, indent=2), file=out)
            return 0
    except (InvokeError, ddb.DynamoDBLocalError, FunctionNotFound, TemplateError) as error:
        print(f"invoke: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        out.flush()


def _invoke_all(invoker: Invoker, out: IO[str]) -> int:
    failures = 0
    for path in sorted(EVENTS_DIR.glob("*.json")):
        if path.name.startswith("env."):
            continue  # environment files for sam local invoke --env-vars, not events
        line: dict[str, Any] = {"event": f"events/{path.name}"}
        try:
            spec = invoker.stack.functions.for_event_file(path)
            line["function"] = spec.logical_id
            line["result"] = invoker.invoke(spec.logical_id, invoker.render_file(path))
        except Exception as error:
            if not isinstance(error, (InvokeError, FunctionNotFound)):
                traceback.print_exc()
            line["error"] = f"{type(error).__name__}: {error}"
            failures += 1
        print(json.dumps(line), file=out, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
