"""Fixtures of the packaging tests: one `sam build` per session, and what an import check needs.

SAM builds under `.aws-sam/packaging/` (git-ignored, so a second run only rebuilds what changed) and
each session works on its own copy of the result.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from tests.packaging.sam import (
    Build,
    host_can_load_built_extensions,
    native_distributions,
    pip_install_target,
    run_sam_build,
)


@pytest.fixture(scope="session")
def sam_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """`sam build` once for the session."""
    return run_sam_build(tmp_path_factory.mktemp("sam") / "build")


@pytest.fixture(scope="session")
def lambda_runtime_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stands in for what the Lambda python3.13 runtime itself provides: boto3 (with its botocore),
    which the layer does not ship. Lambda puts it on sys.path after /var/task and /opt/python.
    The version is the one the tests use (requirements-dev.txt)."""
    target = tmp_path_factory.mktemp("lambda-runtime")
    try:
        version = importlib.metadata.version("boto3")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("boto3 is not installed in the test environment")
    pip_install_target(target, [f"boto3=={version}"], deps=True)
    return target


@pytest.fixture(scope="session")
def host_native_dir(sam_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """On a host that cannot load arm64 extensions: the same pinned versions of the layer's compiled
    distributions (pydantic-core, cryptography, cffi, ...) built for this host, and nothing else.

    Put before the built layer on sys.path, they replace only the native parts; every pure-Python
    file (keysmith, Powertools, pydantic, PyJWT ...) is still the one `sam build` put in the layer.
    On an arm64 host this is None: the built layer is imported exactly as it is.
    """
    if host_can_load_built_extensions():
        return None
    target = tmp_path_factory.mktemp("host-native")
    natives = native_distributions(sam_build.layer_python)
    if natives:
        pip_install_target(target, [f"{name}=={version}" for name, version in natives.items()], deps=False)
    return target
