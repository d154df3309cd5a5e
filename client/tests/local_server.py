"""Start the repository's real local server for the end-to-end tests, and stop it by its pid.

``python -m local.server --port 0 --in-memory --data-dir <tmp>`` from the repository root (the
folder above ``client/``) with the repository's own virtualenv (``$KEYSMITH_SERVER_PYTHON`` to use
another). The server picks its port and prints ``Keysmith local API: <url>`` when it is ready.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

READY = re.compile(r"Keysmith local API: (http://127\.0\.0\.1:\d+)")
REPO_ROOT = Path(__file__).resolve().parents[2]


def server_python() -> Path:
    explicit = os.environ.get("KEYSMITH_SERVER_PYTHON")
    python = Path(explicit) if explicit else REPO_ROOT / ".venv" / "bin" / "python"
    if not (REPO_ROOT / "local" / "server.py").is_file():
        raise RuntimeError(f"{REPO_ROOT} is not a Keysmith checkout (no local/server.py)")
    if not python.exists():
        raise RuntimeError(f"{python} does not exist: run `make setup` in {REPO_ROOT} first")
    return python


@contextlib.contextmanager
def local_server(data_dir: Path, timeout: float = 120) -> Iterator[str]:
    """The base URL of a fresh local server on an in-memory DynamoDB Local, until the block ends."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PORT", None)
    command = [
        str(server_python()),
        "-m",
        "local.server",
        "--port",
        "0",
        "--in-memory",
        "--data-dir",
        str(data_dir),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + timeout
        while not (ready := READY.search(log_path.read_text(errors="replace"))):
            if process.poll() is not None:
                raise RuntimeError(
                    f"the local server exited with {process.returncode}:\n{log_path.read_text()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the local server was not ready in {timeout:.0f} s:\n{log_path.read_text()}"
                )
            time.sleep(0.1)
        yield ready.group(1)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # stops its DynamoDB Local too
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
