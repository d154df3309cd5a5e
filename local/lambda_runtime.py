"""Lambda's Python runtime, locally: the layers on ``sys.path`` (as Lambda's ``/opt/python``), each
``functions/<name>/app.py`` imported once by file path under its own module name (its folder on the
path while it imports, as Lambda's task root), and each call given a Lambda context whose deadline
comes from the function's timeout. The functions' environment is the stack's (``local.stack``).
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from local.gateway.events import ACCOUNT_ID, REGION
from local.template import REPO_ROOT, FunctionSpec, functions
from local.terminal import Warn, stderr_warning

LAMBDA_DEFAULT_TIMEOUT = 3
LAMBDA_DEFAULT_MEMORY = 128


class FunctionNotFound(LookupError):
    """The template names the function but its code is not there (yet)."""


class UnknownFunction(LookupError):
    """No function of the template has this name."""


# ------------------------------------------------------------------------------ the context
@dataclass
class LambdaContext:
    """What Lambda's Python runtime passes as ``context``, with a deadline from the timeout."""

    function_name: str
    timeout_seconds: float = 10.0
    memory_limit_in_mb: str = "512"
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return time.strftime("%Y/%m/%d/[$LATEST]local", time.gmtime())

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


# ------------------------------------------------------------------------------ layers
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
# One invocation at a time across threads: the functions share module state that in Lambda lives
# in separate execution environments (Powertools' metrics buffer, the logger's keys, caches).
# Re-entrant, so that a function invoked while another runs on the same thread (a test that makes a
# request from inside a store call, as a second container would) runs instead of waiting forever.
_INVOCATION_LOCK = threading.RLock()


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


class LocalFunctions:
    """The template's functions, imported on first use (or all at once with ``load_all``)."""

    def __init__(self, template: Mapping[str, Any], warn: Warn = stderr_warning) -> None:
        self.template = template
        self.warn = warn
        self.specs = {spec.logical_id: spec for spec in functions(template)}
        self._loaded: dict[str, LocalFunction] = {}
        self._import_lock = threading.Lock()

    def resolve(self, name: str) -> FunctionSpec:
        """A function by logical id (``GetKeyFunction``) or folder name (``get_key``)."""
        if name in self.specs:
            return self.specs[name]
        for spec in self.specs.values():
            if Path(spec.code_uri).name == name:
                return spec
        raise UnknownFunction(f"no function {name!r} in template.yaml; known: {', '.join(self.specs)}")

    def for_event_file(self, path: Path) -> FunctionSpec:
        """The function an event file is for: ``events/get_key.json`` (or another event of it,
        ``events/get_key.<variant>.json``) -> ``functions/get_key``."""
        return self.resolve(path.name.split(".")[0])

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """One call of the function, as Lambda makes it (the gateway's way in)."""
        return self.get(logical_id)(event, self.warn)

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
                    import_handler(spec),
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


def import_handler(spec: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
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
