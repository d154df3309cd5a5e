"""Schema fuzzing: schemathesis generates requests for every operation of the committed OpenAPI
document (functions/openapi/openapi.json) and sends them to the local server (127.0.0.1 only), with
valid credentials: an admin session, an API key for whoami, and ids of real keys for the key routes.

Every answer must: not be a 5xx, conform to the document (status, content type, headers, schema),
and, when it is an error, be problem+json. Cases per operation: ``SCHEMA_FUZZ_EXAMPLES`` (short in
``make test``, at least 2000 cases in all in ``make fuzz``).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import ROOT
from tests.support.hardening import record_figures, scale

pytestmark = pytest.mark.e2e

DOCUMENT = os.environ.get("SCHEMA_FUZZ_DOCUMENT") or ROOT / "functions" / "openapi" / "openapi.json"
TOTALS = {"gateway_answers": 0, "cases": 0, "responses_5xx": 0, "nonconforming": 0, "non_problem_errors": 0}


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Any:
    yield
    record_figures("schema-fuzz", **TOTALS)


class Credentials:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        token = self.http.post(
            f"{base}/_local/sessions",
            json={"user_id": "fuzzer", "tenant_id": "fuzz", "roles": ["admin"]},
            timeout=10,
        )
        token.raise_for_status()
        self.session = token.json()["token"]
        self.key = self.new_key(["read", "write"], service_account="sa_fuzz")["key"]

    def new_key(self, scopes: list[str] | None = None, service_account: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": "fuzz target", "scopes": scopes or ["read"]}
        if service_account:
            body["service_account_id"] = service_account
        reply = self.http.post(
            f"{self.base}/v1/api-keys",
            json=body,
            headers={"Authorization": f"Bearer {self.session}"},
            timeout=10,
        )
        assert reply.status_code == 201, reply.text
        created: dict[str, Any] = reply.json()
        return created


@pytest.fixture(scope="module")
def credentials(local_server: str) -> Credentials:
    return Credentials(local_server)


# Checks that judge behaviour the document does not describe (auth probes that replay without our
# credentials, resource bookkeeping across calls, timing): the lifecycle suites test these directly.
STATEFUL_OR_GUESSING = [
    schemathesis.checks.ignored_auth,
    schemathesis.checks.ensure_resource_availability,
    schemathesis.checks.max_response_time,
    # "a schema-valid request must be accepted": the document cannot hold every rule (a name that is
    # not blank after trimming, a future expiry, the deploy's scopes, an opaque cursor, an IP address)
    schemathesis.checks.positive_data_acceptance,
]
# The authorizer's refusals are API Gateway's own answers (an HTTP API cannot reshape them), as the
# document says for whoami: {"message": ...} with application/json, not problem+json.
GATEWAY_ANSWERS = {("/v1/whoami", 401), ("/v1/whoami", 403)}
SCHEMA = schemathesis.openapi.from_path(str(DOCUMENT))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]  # type: ignore[union-attr]
# Per operation: make test ~15 each (under 200 in all); make fuzz enough for 2000+ cases in all, as
# operations without parameters run out of distinct cases early.
EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES") or scale(15, max(250, 3000 // len(OPERATIONS))))


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{o.method.upper()} {o.path}" for o in OPERATIONS])
def test_every_operation_conforms_and_never_5xx(
    operation: Any, credentials: Credentials, local_server: str
) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy(), choice=st.integers(0, 11))
    def attempt(case: Any, choice: int) -> None:
        check_case(case, choice, credentials, local_server)

    attempt()


def check_case(case: Any, turn: int, credentials: Credentials, base_url: str) -> None:
    path = case.operation.path
    headers = dict(case.headers or {})
    # valid credentials: an admin session everywhere, an API key where the authorizer wants one;
    # one case in four keeps what schemathesis generated, so bad credentials are tried too
    if turn % 4 != 3 or "authorization" not in {k.lower() for k in headers}:
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        headers["Authorization"] = (
            f"Bearer {credentials.key if path == '/v1/whoami' else credentials.session}"
        )
    case.headers = headers
    if "{id}" in path and turn % 3 != 2:
        case.path_parameters = {**(case.path_parameters or {}), "id": credentials.new_key()["id"]}
    if path == "/v1/verify" and isinstance(case.body, dict) and turn % 2 == 0:
        case.body = {**case.body, "key": credentials.key}
    # verify lives on the internal API, served under /internal locally
    response = case.call(base_url=base_url + "/internal" if path == "/v1/verify" else base_url)
    TOTALS["cases"] += 1
    if response.status_code >= 500:
        TOTALS["responses_5xx"] += 1
    assert response.status_code < 500, f"{case.method} {path}: {response.status_code} {response.text[:500]}"
    if response.status_code >= 400 and (path, response.status_code) in GATEWAY_ANSWERS:
        TOTALS["gateway_answers"] += 1
    elif response.status_code >= 400:
        content_type = (response.headers.get("content-type") or [""])[0]
        if not content_type.startswith("application/problem+json"):
            TOTALS["non_problem_errors"] += 1
        assert content_type.startswith("application/problem+json"), (path, response.status_code, content_type)
        problem = json.loads(response.text)
        assert (
            problem["type"].startswith("urn:keysmith:problem:") and problem["status"] == response.status_code
        )
    try:
        case.validate_response(response, excluded_checks=STATEFUL_OR_GUESSING)
    except AssertionError:
        TOTALS["nonconforming"] += 1
        raise
