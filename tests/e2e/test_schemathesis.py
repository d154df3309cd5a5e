"""schemathesis with every check (``--checks all``) against the local server, as an admin session,
a user session and an API-key caller: the document is exact enough that nothing is found.

``POST /v1/verify`` runs in its own pass without the two authentication checks (``ignored_auth``,
``missing_required_header``): it is AWS IAM when deployed and open on the local server. The hooks
(tests/e2e/schemathesis_hooks.py) put real key ids, issued cursors and future expiries into
schema-valid cases. Examples per operation: short in ``make test``, at least 3,000 cases per
caller in ``make fuzz``. Each caller's cases and failures are printed and recorded as figures.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.hardening import record_figures, scale

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES") or scale(8, 300))
AUTHENTICATION_CHECKS = "ignored_auth,missing_required_header"


def run(base: str, token: str, target_body: dict[str, Any], *selection: str) -> tuple[int, int, str]:
    """One schemathesis run: (cases generated, failures found, its output)."""
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis_hooks",
        "PYTHONPATH": str(ROOT),
        "KEYSMITH_FUZZ_BASE": base,
        "KEYSMITH_FUZZ_TOKEN": token,
        "KEYSMITH_FUZZ_TARGET_BODY": json.dumps(target_body),
        "NO_COLOR": "1",
    }
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{base}/v1/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "9",
        "--no-color",
        *selection,
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    output = done.stdout + done.stderr
    generated = re.search(r"(\d+) generated", output)
    failures = re.search(r"(\d+) (?:unique )?failures?", output.split("SUMMARY")[-1])
    assert generated, output[-3000:]
    found = int(failures.group(1)) if failures else 0
    assert (found == 0) == (done.returncode == 0), output[-3000:]
    return int(generated.group(1)), found, output


Caller = Callable[[str], tuple[str, dict[str, Any]]]


def session(base: str, user: str, roles: list[str]) -> str:
    reply = requests.post(
        f"{base}/_local/sessions", json={"user_id": user, "tenant_id": "fuzz", "roles": roles}, timeout=10
    )
    reply.raise_for_status()
    return str(reply.json()["token"])


def admin(base: str) -> tuple[str, dict[str, Any]]:
    return session(base, "fuzz_admin", ["admin"]), {"service_account_id": "sa_fuzz"}


def user(base: str) -> tuple[str, dict[str, Any]]:
    return session(base, "fuzz_user", []), {}


def api_key(base: str) -> tuple[str, dict[str, Any]]:
    token = session(base, "fuzz_admin", ["admin"])
    body = {
        "name": "schemathesis caller",
        "service_account_id": "sa_fuzz",
        "scopes": ["read", "write", "keys:read", "keys:write"],
    }
    reply = requests.post(
        f"{base}/v1/api-keys", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["key"]), {"scopes": ["read"]}


@pytest.mark.parametrize("caller", [admin, user, api_key], ids=["admin", "user", "api_key"])
def test_schemathesis_finds_nothing(local_server: str, caller: Caller) -> None:
    token, target_body = caller(local_server)
    name = caller.__name__
    cases, failures, output = run(local_server, token, target_body, "--exclude-path", "/v1/verify")
    # verify lives on the internal API: under /internal on the local server
    verify_cases, verify_failures, verify_output = run(
        local_server,
        token,
        target_body,
        "--include-path",
        "/v1/verify",
        "--exclude-checks",
        AUTHENTICATION_CHECKS,
        "--url",
        f"{local_server}/internal",
    )
    print(
        f"schemathesis {name}: {cases} cases, {failures} failures; POST /v1/verify: {verify_cases} cases, "
        f"{verify_failures} failures"
    )
    record_figures(
        f"schemathesis-{name}",
        cases=cases + verify_cases,
        failures=failures + verify_failures,
    )
    assert failures == 0, output[-6000:]
    assert verify_failures == 0, verify_output[-6000:]
