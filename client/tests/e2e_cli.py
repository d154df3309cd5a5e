"""Running the installed ``keysmith`` console script as a user would, for the end-to-end tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEYSMITH = Path(sys.executable).parent / "keysmith"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def keysmith(*argv: str, stdin: str | None = None) -> Run:
    result = subprocess.run(
        [str(KEYSMITH), *argv],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
        env=dict(os.environ),
    )
    return Run(result.returncode, result.stdout, result.stderr)


def ok(*argv: str, stdin: str | None = None) -> Run:
    run = keysmith(*argv, stdin=stdin)
    assert run.code == 0, f"keysmith {' '.join(argv)} exited {run.code}:\n{run.out}\n{run.err}"
    return run
