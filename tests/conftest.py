"""Fixtures for every suite: DynamoDB Local (the real engine) and the local server.

Each pytest process (each xdist worker) starts at most one in-memory DynamoDB Local and one local
server, on ports the kernel picks, and stops them by pid at the end. Suites add their own fixtures
in their own conftest.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.ddb import DynamoDBLocal, ensure_table, make_client
from local.template import REPO_ROOT, load_template

READY = re.compile(r"Keysmith local API: (http://127\.0\.0\.1:\d+)")


@pytest.fixture(scope="session")
def ddb_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Endpoint URL of an in-memory DynamoDB Local, one per pytest process (per xdist worker)."""
    log = tmp_path_factory.mktemp("dynamodb-local") / "dynamodb.log"
    server = DynamoDBLocal(log_path=log).start()
    try:
        yield server.endpoint
    finally:
        server.stop()


@pytest.fixture
def ddb_local_table(ddb_local: str) -> Iterator[tuple[Any, str]]:
    """(boto3 client, table name): a fresh table made from template.yaml's definition, dropped after."""
    client = make_client(ddb_local)
    name = f"keys-{uuid.uuid4().hex[:12]}"
    ensure_table(client, name, load_template())
    try:
        yield client, name
    finally:
        client.delete_table(TableName=name)


@dataclass
class LocalServerProcess:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM (as Ctrl-C would stop it), then its exit status; killed if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        return int(self.process.returncode)


@contextlib.contextmanager
def run_local_server(
    data_dir: Path,
    args: Sequence[str] = (),
    timeout: float = 120,
    environment: Mapping[str, str] | None = None,
) -> Iterator[LocalServerProcess]:
    """``python -m local.server --port 0 --data-dir <data_dir> <args>`` until the block ends, with
    ``environment`` added to ours (minus what would change the server: PORT, CORS_ALLOWED_ORIGINS)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / f"server-{uuid.uuid4().hex[:8]}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PORT", None)
    env.pop("CORS_ALLOWED_ORIGINS", None)
    env.update(environment or {})
    command = [sys.executable, "-m", "local.server", "--port", "0", "--data-dir", str(data_dir), *args]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    server = LocalServerProcess("", process, log_path)
    try:
        deadline = time.monotonic() + timeout
        while not (ready := READY.search(server.log())):
            if process.poll() is not None:
                raise RuntimeError(
                    f"the local server exited with {process.returncode}:\n{server.log()[-4000:]}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the local server was not ready within {timeout:.0f}s:\n{server.log()[-4000:]}"
                )
            time.sleep(0.1)
        server.url = ready.group(1)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def local_server_process(
    ddb_local: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalServerProcess]:
    """The local server as a subprocess on this worker's DynamoDB Local, with its own data dir."""
    with run_local_server(
        tmp_path_factory.mktemp("local-server"), ["--dynamodb-endpoint", ddb_local]
    ) as server:
        yield server


@pytest.fixture(scope="session")
def local_server(local_server_process: LocalServerProcess) -> str:
    """Base URL of the local server (``http://127.0.0.1:<port>``)."""
    return local_server_process.url


@pytest.fixture(scope="session")
def session_token(local_server: str) -> Callable[..., str]:
    """``session_token(user_id, tenant_id, roles=())``: a session JWT from ``POST /_local/sessions``."""
    import requests

    def mint(user_id: str = "u_test", tenant_id: str = "t_test", roles: Sequence[str] = ()) -> str:
        response = requests.post(
            f"{local_server}/_local/sessions",
            json={"user_id": user_id, "tenant_id": tenant_id, "roles": list(roles)},
            timeout=10,
        )
        response.raise_for_status()
        return str(response.json()["token"])

    return mint
