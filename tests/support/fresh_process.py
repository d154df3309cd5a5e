"""Python code run in a fresh process, as a function's first invocation runs: no module of this
test process loaded, the layer and the repository on the path, a table name and fake credentials.
The hot-path import test and the tracer test both probe functions this way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from tests.helpers import ROOT

# Variables this process may have that would change what the probe loads or where it reaches.
INHERITED_NOT = ("PYTHON", "POWERTOOLS", "AWS_", "TABLE_NAME", "_X_")


def fresh_environment(**extra: str) -> dict[str, str]:
    """This process's environment without Python, Powertools, AWS and trace variables, plus what
    every probe needs; ``extra`` adds (or overrides) variables."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(INHERITED_NOT)}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT / "layers" / "common"), str(ROOT)]),
        TABLE_NAME="keys",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    env.update(extra)
    return env


def run_probe(code: str, *args: str, timeout: float, **extra_env: str) -> Any:
    """Run ``code`` with ``args`` in a fresh process at the repository root, asserting that it
    exits 0; the JSON its last line of output prints."""
    completed = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=fresh_environment(**extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])
