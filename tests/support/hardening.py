"""Shared tools of the hardening suites (store faults, hostile input, secrets, tenancy, fuzzing, load):
DynamoDB fault injection through botocore's event hooks, log capture, table snapshots, and the
figures each suite reports (``python -m tests.support.figures`` prints them).

``KEYSMITH_FUZZ=1`` (``make fuzz``) makes every suite run at full length; ``make test`` runs them short.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import threading
import time
import types
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.endpoint
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

ROOT = Path(__file__).resolve().parent.parent
# One folder per make run (the Makefile sets it), so concurrent runs in one tree never mix figures.
FIGURES_DIR = Path(os.environ.get("KEYSMITH_FIGURES_DIR") or ROOT / ".local" / "hardening" / "adhoc")
FUZZ = os.environ.get("KEYSMITH_FUZZ", "").strip().lower() in {"1", "true", "yes"}


def scale(short: int, full: int) -> int:
    """How many cases a suite runs: ``short`` in make test, ``full`` in make fuzz."""
    return full if FUZZ else short


# --- figures ---------------------------------------------------------------------------------------


def record_figures(suite: str, **counts: int) -> None:
    """Add ``counts`` to this process's figures for ``suite`` (summed over processes by
    tests.support.figures)."""
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    path = FIGURES_DIR / f"{suite}-{os.getpid()}.json"
    try:
        current: dict[str, int] = json.loads(path.read_text())
    except (OSError, ValueError):
        current = {}
    for name, value in counts.items():
        current[name] = current.get(name, 0) + int(value)
    path.write_text(json.dumps(current, sort_keys=True))
    print(f"FIGURES {suite}: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))


# --- DynamoDB faults -------------------------------------------------------------------------------


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _error(status: int, code: str, message: str, **extra: Any) -> AWSResponse:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra})
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault-injected"}
    return AWSResponse("https://fault.invalid/", status, headers, _Raw(body.encode()))  # type: ignore[arg-type]


def _fault_response(kind: str, request: Any) -> AWSResponse:
    if kind == "throughput":
        return _error(400, "ProvisionedThroughputExceededException", "injected: throughput exceeded")
    if kind == "throttling":
        return _error(400, "ThrottlingException", "injected: rate of requests exceeds the allowed throughput")
    if kind == "internal":
        return _error(500, "InternalServerError", "injected: internal server error")
    if kind == "timeout":
        raise ReadTimeoutError(endpoint_url=str(request.url))
    if kind == "dropped":
        raise ConnectionClosedError(endpoint_url=str(request.url))
    if kind == "cancelled-throttled":  # TransactWriteItems only: a reason per action
        reasons = [{"Code": "ThrottlingError", "Message": "injected"}, {"Code": "None"}]
        return _error(400, "TransactionCanceledException", "injected", CancellationReasons=reasons)
    raise ValueError(kind)


_SKIP = threading.local()


def _moto_stubber() -> Any:
    try:
        from moto.core.botocore_stubber import BotocoreStubber
    except ImportError:  # pragma: no cover - moto is a dev requirement
        return None
    return BotocoreStubber


FAULTS = ("throughput", "throttling", "internal", "timeout", "dropped")


@dataclass
class FaultInjector:
    """Fails chosen DynamoDB operations of one boto3 client before anything is sent.

    ``after`` lets that many matching calls through first (e.g. the authentication read), then every
    matching call (botocore's own retries included) fails with ``kind`` until the block ends.
    Retries do not sleep while injecting, so a faulted request costs no wall time.
    """

    client: Any
    operation: str
    kind: str
    after: int = 0
    seen: int = 0
    injected: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _hook(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        with self._lock:
            self.calls[operation] += 1
            if operation != self.operation:
                return None
            self.seen += 1
            if self.seen <= self.after:
                return None
            self.injected += 1
        response = _fault_response(self.kind, request)  # raises for time-outs and dropped connections
        _SKIP.active = True  # moto answers every before-send too: it must not run this request
        return response

    @contextlib.contextmanager
    def active(self) -> Iterator[FaultInjector]:
        events = self.client.meta.events
        events.register_first("before-send.dynamodb", self._hook, unique_id="keysmith-fault")
        real_time = botocore.endpoint.time  # type: ignore[attr-defined]
        botocore.endpoint.time = types.SimpleNamespace(  # type: ignore[attr-defined]
            sleep=lambda _seconds: None, time=real_time.time, monotonic=real_time.monotonic
        )
        stubber = _moto_stubber()
        real_call = stubber.__call__ if stubber is not None else None
        if stubber is not None:

            def call(this: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
                if getattr(_SKIP, "active", False):
                    _SKIP.active = False
                    return None
                return real_call(this, event_name, request, **kwargs)  # type: ignore[misc]

            stubber.__call__ = call
        try:
            yield self
        finally:
            if stubber is not None:
                stubber.__call__ = real_call
            _SKIP.active = False
            botocore.endpoint.time = real_time  # type: ignore[attr-defined]
            events.unregister("before-send.dynamodb", unique_id="keysmith-fault")


# --- logs ------------------------------------------------------------------------------------------


class _Tee(io.StringIO):
    def __init__(self, sink: list[str]) -> None:
        super().__init__()
        self._sink = sink

    def write(self, text: str) -> int:
        self._sink.append(text)
        return len(text)


class _Collect(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self._sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        # the message with its arguments, the exception text and every extra attribute
        extras = {k: v for k, v in vars(record).items() if k not in _PLAIN_RECORD}
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self._sink.append(f"{record.name} {record.levelname} {text} {extras!r}")


_PLAIN_RECORD = set(vars(logging.makeLogRecord({})))


@contextlib.contextmanager
def capture_logs() -> Iterator[list[str]]:
    """Every line written to stdout/stderr and every log record of any logger while the block runs.

    Powertools' Logger writes JSON lines through its own StreamHandler bound to sys.stdout when it
    was made, so its handlers get our stream too; every other logger is caught at the root.
    """
    lines: list[str] = []
    tee = _Tee(lines)
    powertools = logging.getLogger("keysmith")
    streams = [(h, h.setStream(tee)) for h in powertools.handlers if isinstance(h, logging.StreamHandler)]
    collector = _Collect(lines)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(collector)
    root.setLevel(logging.DEBUG)
    powertools.addHandler(collector)
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = tee, tee
    try:
        yield lines
    finally:
        sys.stdout, sys.stderr = old_out, old_err
        powertools.removeHandler(collector)
        root.removeHandler(collector)
        root.setLevel(old_level)
        for handler, old in streams:
            handler.setStream(old)


# --- the table -------------------------------------------------------------------------------------


def snapshot(client: Any, table: str) -> dict[str, dict[str, Any]]:
    """Every item of the table by id (tests may scan; the service never does)."""
    items: dict[str, dict[str, Any]] = {}
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        for item in page.get("Items", []):
            items[item["id"]["S"]] = item
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


USAGE_ATTRIBUTES = ("last_used_at", "last_used_ip", "last_used_user_agent")


def without_usage(items: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Items minus last-used attributes (which an API-key caller's call may legitimately write)."""
    return {k: {n: v for n, v in item.items() if n not in USAGE_ATTRIBUTES} for k, item in items.items()}


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def passed(self) -> bool:
        return time.monotonic() >= self.end
