"""Helpers of the packaging tests: where SAM and the real Python are, running the build, and what a
built layer holds. Fixtures that use them are in conftest.py beside this file."""

from __future__ import annotations

import fcntl
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAYER_LOGICAL_ID = "CommonLayer"
# Machine names as `uname -m` prints them, against Lambda's architecture names.
LAMBDA_ARCH_OF_MACHINE = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def sam_binary() -> Path:
    """SAM CLI: $SAM_CLI (the Makefile sets it), else the project's `.venv-sam`."""
    candidate = Path(os.environ.get("SAM_CLI") or REPO / ".venv-sam" / "bin" / "sam")
    if not candidate.is_absolute():
        candidate = REPO / candidate
    if not candidate.exists():
        pytest.fail(f"SAM CLI not found at {candidate}: run `make setup` (or set SAM_CLI)")
    return candidate


def base_python() -> Path:
    """The real CPython 3.13 behind this virtual environment (not a pyenv shim, not the venv)."""
    for name in ("python3.13", "python3"):
        candidate = Path(sys.base_prefix) / "bin" / name
        if candidate.exists():
            return candidate
    pytest.fail(f"no python3.13 under {sys.base_prefix}")


@dataclass(frozen=True)
class Build:
    root: Path  # the --build-dir: one folder per function and per layer, plus the built template
    seconds: float

    def function_dir(self, logical_id: str) -> Path:
        return self.root / logical_id

    @property
    def layer_python(self) -> Path:
        """The layer's `python/` folder: Lambda mounts it at /opt/python, which is on sys.path."""
        return self.root / LAYER_LOGICAL_ID / "python"


def run_sam_build(destination: Path) -> Build:
    """`sam build` of template.yaml, as a deploy would build it, copied to ``destination``.

    No container: SAM's pip builder downloads manylinux aarch64 wheels itself (`pip download
    --platform ...`). SAM reuses a build only when the previous one's folder and build.toml are still
    there, so the build happens in `.aws-sam/packaging/` (git-ignored) under a file lock (several
    test runs may share the tree), and the result is copied out for this session to use alone.
    A first build takes about half a minute, an unchanged one a few seconds.
    """
    work = REPO / ".aws-sam" / "packaging"
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # SAM's python builder looks for `python3.13` on PATH: put the real interpreter first so that a
    # pyenv shim (which depends on the current directory's .python-version) is never needed.
    env["PATH"] = f"{base_python().parent}{os.pathsep}{env.get('PATH', '')}"
    env["SAM_CLI_TELEMETRY"] = "0"
    command = [
        str(sam_binary()),
        "build",
        "--template-file",
        str(REPO / "template.yaml"),
        "--build-dir",
        str(work / "build"),
        "--cached",
        "--cache-dir",
        str(work / "cache"),
        "--parallel",
    ]
    with (work / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = time.monotonic()
        result = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        seconds = time.monotonic() - started
        if result.returncode != 0:
            pytest.fail(
                f"sam build failed ({result.returncode}) after {seconds:.0f}s:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        shutil.copytree(work / "build", destination, symlinks=True)
    return Build(root=destination, seconds=seconds)


def pip_install_target(target: Path, requirements: list[str], *, deps: bool) -> None:
    """Wheels only, into ``target``, with this environment's pip (for this host's platform)."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--only-binary=:all:", "--target"]
    command += [str(target), *([] if deps else ["--no-deps"]), *requirements]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        pytest.fail(f"pip install {' '.join(requirements)} failed:\n{result.stdout}\n{result.stderr}")


def host_can_load_built_extensions() -> bool:
    """Whether this machine can load the layer's compiled extensions (built for Lambda's arm64)."""
    return LAMBDA_ARCH_OF_MACHINE.get(platform.machine()) == "arm64"


def native_distributions(layer_python: Path) -> dict[str, str]:
    """name -> version of every distribution in the built layer that ships compiled code."""
    found: dict[str, str] = {}
    for dist_info in layer_python.glob("*.dist-info"):
        record, wheel = dist_info / "RECORD", dist_info / "WHEEL"
        compiled = record.exists() and any(
            line.split(",", 1)[0].endswith(".so") for line in record.read_text().splitlines()
        )
        if compiled or (wheel.exists() and "Root-Is-Purelib: false" in wheel.read_text()):
            metadata = importlib.metadata.PathDistribution(dist_info).metadata
            found[metadata["Name"]] = metadata["Version"]
    return found
