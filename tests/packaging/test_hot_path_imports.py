"""The verification hot path imports only what it needs: the verify, authorizer and whoami handler
modules, imported and initialised in a fresh process, bring no web framework, no pydantic, no
PyJWT/cryptography and not boto3 (botocore alone makes the DynamoDB client)."""

from __future__ import annotations

import pytest

from tests.support.fresh_process import run_probe

PROBE = r"""
import importlib.util, json, sys
for folder in sys.argv[1:]:
    path = f"functions/{folder}/app.py"
    spec = importlib.util.spec_from_file_location(f"probe_{folder}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.handler)
if sys.argv[1] in ("verify", "authorizer"):
    from keysmith import wiring
    wiring.verifier()  # initialise as the first invocation does: settings, client, store
print(json.dumps(sorted(sys.modules)))
"""

FORBIDDEN = (
    "pydantic",
    "pydantic_core",
    "aws_lambda_powertools.event_handler",
    "aws_xray_sdk",
    "jwt",
    "cryptography",
    "boto3",
    "s3transfer",
    "keysmith.http.schemas",
    "keysmith.http.resolver_entry",
    "keysmith.auth.sessions",
)


def loaded_modules(*folders: str) -> set[str]:
    return set(run_probe(PROBE, *folders, timeout=120))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


@pytest.mark.parametrize("folder", ["verify", "authorizer", "whoami"])
def test_a_lean_handler_imports_no_framework_no_pydantic_no_jwt(folder: str) -> None:
    modules = loaded_modules(folder)
    assert "keysmith.domain.verifier" in modules
    assert heavy(modules) == []


def test_the_probe_would_see_them_on_a_management_function() -> None:
    modules = loaded_modules("get_key")
    assert {"pydantic", "aws_lambda_powertools.event_handler", "jwt"} <= modules
