"""The local server over HTTP: its own routes, API Gateway's behaviour in front of the functions
(every method, the internal API under /internal, CORS), make invoke's code path for every event
file, and data that survives a restart."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from local.ddb import STATE_FILE
from local.invocation import EVENTS_DIR
from local.sessions import LOCAL_AUDIENCE, LOCAL_ISSUER
from local.template import REPO_ROOT
from tests.conftest import LocalServerProcess, run_local_server
from tests.e2e.conftest import Client
from tests.support.targets import ROUTES as KEY_ROUTES

PROBLEM = "application/problem+json"
EVENT_FILES = sorted(p.name for p in EVENTS_DIR.glob("*.json") if not p.name.startswith("env."))


def assert_problem(response: Any, status: int, slug: str, instance: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:keysmith:problem:{slug}"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["instance"] == instance
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


# ------------------------------------------------------------------------------ /_local/sessions, jwks
def test_a_session_is_a_jwt_the_published_jwks_verifies(client: Client) -> None:
    response = client.post(
        "/_local/sessions", json={"user_id": "u_1", "tenant_id": "acme", "roles": ["admin"]}
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["expires_at"])
    jwks = client.get("/_local/jwks.json").json()
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(body["token"])["kid"]]
    claims = jwt.decode(
        body["token"], key.key, algorithms=["RS256"], audience=LOCAL_AUDIENCE, issuer=LOCAL_ISSUER
    )
    assert (claims["sub"], claims["tenant_id"], claims["roles"]) == ("u_1", "acme", ["admin"])


def test_roles_are_optional(client: Client) -> None:
    response = client.post("/_local/sessions", json={"user_id": "u_2", "tenant_id": "acme"})
    assert response.status_code == 200
    assert jwt.decode(response.json()["token"], options={"verify_signature": False})["roles"] == []


def test_the_jwks_is_one_rs256_key_and_stable(client: Client) -> None:
    first, second = client.get("/_local/jwks.json"), client.get("/_local/jwks.json")
    assert first.status_code == 200 and first.headers["Content-Type"] == "application/json"
    assert first.json() == second.json()
    (key,) = first.json()["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig") and key["kid"]
    assert "d" not in key  # the public half only


@pytest.mark.parametrize(
    ("body", "headers", "status", "slug", "pointers"),
    [
        (b"not json", {"Content-Type": "application/json"}, 400, "malformed-request", None),
        (b'["u_1"]', {"Content-Type": "application/json"}, 400, "malformed-request", None),
        (b'{"user_id": "u_1", "tenant_id": "acme"}', {}, 415, "unsupported-media-type", None),
        (b'{"user_id": "u_1"}', {"Content-Type": "text/plain"}, 415, "unsupported-media-type", None),
        (b"{}", {"Content-Type": "application/json"}, 422, "validation-error", ["/user_id", "/tenant_id"]),
        (
            json.dumps({"user_id": "", "tenant_id": "x" * 129}).encode(),
            {"Content-Type": "application/json"},
            422,
            "validation-error",
            ["/user_id", "/tenant_id"],
        ),
        (
            json.dumps({"user_id": 7, "tenant_id": "has space"}).encode(),
            {"Content-Type": "application/json; charset=utf-8"},
            422,
            "validation-error",
            ["/user_id", "/tenant_id"],
        ),
        (
            json.dumps({"user_id": "u", "tenant_id": "t", "roles": "admin"}).encode(),
            {"Content-Type": "application/json"},
            422,
            "validation-error",
            ["/roles"],
        ),
        (
            json.dumps({"user_id": "u", "tenant_id": "t", "roles": ["ok", 1, ""]}).encode(),
            {"Content-Type": "application/json"},
            422,
            "validation-error",
            ["/roles/1", "/roles/2"],
        ),
        (
            json.dumps({"user_id": "u", "tenant_id": "t", "admin": True}).encode(),
            {"Content-Type": "application/json"},
            422,
            "validation-error",
            ["/admin"],
        ),
        (
            json.dumps({"user_id": "u", "tenant_id": "t", "pad": "x" * 17000}).encode(),
            {"Content-Type": "application/json"},
            413,
            "payload-too-large",
            None,
        ),
    ],
)
def test_bad_session_requests_are_problems(
    client: Client, body: bytes, headers: dict[str, str], status: int, slug: str, pointers: list[str] | None
) -> None:
    response = client.post("/_local/sessions", data=body, headers=headers)
    problem = assert_problem(response, status, slug, "/_local/sessions")
    if pointers is not None:
        assert sorted(e["pointer"] for e in problem["errors"]) == sorted(pointers)
        assert all(e["detail"] for e in problem["errors"])


def test_other_local_paths_and_methods_are_problems(client: Client) -> None:
    wrong_method = client.get("/_local/sessions")
    assert_problem(wrong_method, 405, "method-not-allowed", "/_local/sessions")
    assert wrong_method.headers["Allow"] == "POST"
    assert_problem(client.get("/_local/nothing"), 404, "not-found", "/_local/nothing")


# ------------------------------------------------------------------------------ API Gateway in front
def test_an_unknown_path_is_the_fallbacks_404_and_a_known_path_with_another_method_405(
    client: Client,
) -> None:
    assert_problem(client.get("/v1/nothing-here"), 404, "not-found", "/v1/nothing-here")
    wrong = client.request("PUT", "/v1/api-keys")
    assert_problem(wrong, 405, "method-not-allowed", "/v1/api-keys")
    assert "POST" in wrong.headers["Allow"] and "GET" in wrong.headers["Allow"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}])
def test_whoami_without_a_credential_is_api_gateways_401(client: Client, headers: dict[str, str]) -> None:
    response = client.get("/v1/whoami", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert response.headers["apigw-requestid"]


@pytest.mark.parametrize("credential", ["Bearer nope", "Bearer ks_notAKey", "Basic dTpw"])
def test_whoami_with_a_bad_credential_is_api_gateways_403(client: Client, credential: str) -> None:
    response = client.get("/v1/whoami", headers={"Authorization": credential})
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}


def test_a_key_goes_through_create_get_whoami_verify(
    client: Client, session_token: Callable[..., str], create_key: Callable[..., dict[str, Any]]
) -> None:
    token = session_token("u_e2e", "t_e2e")
    created = create_key(token, "e2e flow", scopes=["read", "write"])
    assert created["key"].startswith("ks_") and created["status"] == "active"
    got = client.get(f"/v1/api-keys/{created['id']}", token)
    assert got.status_code == 200 and got.json()["name"] == "e2e flow" and "key" not in got.json()
    assert got.headers["X-Request-Id"] == got.headers["apigw-requestid"]
    assert client.get("/v1/whoami", token).status_code == 403  # a session is not an API key
    who = client.get("/v1/whoami", created["key"])
    assert who.status_code == 200, who.text
    assert who.json()["key_id"] == created["id"] and who.json()["tenant_id"] == "t_e2e"
    verdict = client.post("/internal/v1/verify", json={"key": created["key"], "required_scopes": ["write"]})
    assert verdict.status_code == 200 and verdict.json()["valid"] is True
    assert verdict.json()["key"]["id"] == created["id"]
    assert client.get("/v1/api-keys", token).json()["items"][0]["id"] == created["id"]


def test_the_request_log_has_one_line_per_request_and_no_credentials(
    client: Client, local_server_process: LocalServerProcess, session_token: Callable[..., str]
) -> None:
    token = session_token("u_log", "t_log")
    client.get("/v1/whoami", "ks_secretlookingvalue")
    client.get("/v1/api-keys?limit=3", token)
    log = local_server_process.log()
    assert re.search(r"^GET /v1/whoami 403 \d+ms$", log, re.MULTILINE)
    assert re.search(r"^GET /v1/api-keys 200 \d+ms$", log, re.MULTILINE)
    assert re.search(r"^POST /_local/sessions 200 \d+ms$", log, re.MULTILINE)
    assert token not in log and "ks_secretlookingvalue" not in log and "Bearer" not in log


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: http.client.HTTPMessage
    text: str


def raw_request(base_url: str, method: str, path: str) -> RawResponse:
    """One request with exactly this method token (http.client sends any), its response read."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return RawResponse(response.status, response.headers, response.read().decode())
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "MKCOL", "BREW", "X-CUSTOM_1"])
def test_any_method_on_a_known_path_is_a_problem_405_with_allow_never_a_501_page(
    local_server: str, method: str
) -> None:
    for path in ("/v1/api-keys", "/internal/v1/api-keys"):
        response = raw_request(local_server, method, path)
        assert response.status == 405, (method, path, response.status, response.text[:200])
        assert response.headers["Content-Type"] == PROBLEM
        assert response.headers["Allow"] == "GET, POST"
        problem = json.loads(response.text)
        assert problem["type"] == "urn:keysmith:problem:method-not-allowed"
        assert problem["instance"] == "/v1/api-keys" and method in problem["detail"]


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "BREW"])
def test_any_method_on_an_unknown_path_is_the_default_routes_problem_404(
    local_server: str, method: str
) -> None:
    response = raw_request(local_server, method, "/v1/nowhere")
    assert response.status == 404 and response.headers["Content-Type"] == PROBLEM
    assert json.loads(response.text)["type"] == "urn:keysmith:problem:not-found"


# ------------------------------------------------------------------------------ the internal API
def test_verify_is_served_on_the_internal_api_only(client: Client) -> None:
    internal = client.post("/internal/v1/verify", json={"key": "ks_nope"})
    assert internal.status_code == 200 and internal.json() == {"valid": False, "code": "MALFORMED"}
    public = client.post("/v1/verify", json={"key": "ks_nope"})
    assert public.status_code == 404 and public.headers["Content-Type"] == PROBLEM  # $default


def test_the_internal_api_serves_the_management_routes_of_the_same_functions(client: Client) -> None:
    # No signature locally: the trusted backend acts as the admin of the tenant its header names.
    response = client.get("/internal/v1/api-keys", headers={"Keysmith-Tenant": "acme"})
    assert response.status_code == 200, response.text  # ListKeysFunction, not $default
    assert set(response.json()) == {"items", "next_cursor"}
    whoami = client.get("/internal/v1/whoami")  # public only: the internal API's $default answers
    assert whoami.status_code == 404 and whoami.json()["instance"] == "/v1/whoami"


# ------------------------------------------------------------------------------ CORS
ALLOWED = "https://app.example"
REFUSED = "https://evil.example"
PUBLIC_ROUTES = [
    ("POST", "/v1/api-keys"),
    ("GET", "/v1/api-keys"),
    ("GET", "/v1/api-keys/k_1"),
    *((method, f"/v1/api-keys/k_1{suffix}") for method, suffix in KEY_ROUTES),
    ("GET", "/v1/whoami"),
    ("GET", "/v1/openapi.json"),
]


@pytest.fixture(scope="module")
def cors_server(ddb_local: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second local server with CORS_ALLOWED_ORIGINS set, as a developer would start it."""
    with run_local_server(
        tmp_path_factory.mktemp("cors-server"),
        ["--dynamodb-endpoint", ddb_local],
        environment={"CORS_ALLOWED_ORIGINS": f"{ALLOWED},https://admin.example"},
    ) as server:
        yield server.url


def grants(response: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


@pytest.mark.parametrize(("method", "path"), PUBLIC_ROUTES)
def test_a_browser_preflight_from_an_allowed_origin_succeeds_for_each_public_route(
    cors_server: str, method: str, path: str
) -> None:
    response = requests.options(
        cors_server + path,
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
        timeout=30,
    )
    assert response.status_code == 204 and response.content == b""
    grant = grants(response)
    assert grant["access-control-allow-origin"] == ALLOWED
    assert method in grant["access-control-allow-methods"].split(",")
    allowed_headers = grant["access-control-allow-headers"].split(",")
    assert {"authorization", "content-type", "idempotency-key"} <= set(allowed_headers)
    assert int(grant["access-control-max-age"]) > 0


def test_a_preflight_from_another_origin_gets_no_grant(cors_server: str) -> None:
    response = requests.options(
        cors_server + "/v1/api-keys",
        headers={"Origin": REFUSED, "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert response.status_code == 204 and grants(response) == {}


def test_answers_grant_an_allowed_origin_and_expose_the_headers_and_nothing_to_another(
    cors_server: str,
) -> None:
    token = requests.post(
        f"{cors_server}/_local/sessions", json={"user_id": "u_cors", "tenant_id": "t_cors"}, timeout=10
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    allowed = requests.get(f"{cors_server}/v1/api-keys", headers={**auth, "Origin": ALLOWED}, timeout=30)
    assert allowed.status_code == 200
    assert grants(allowed) == {
        "access-control-allow-origin": ALLOWED,
        "access-control-expose-headers": "x-request-id,retry-after,idempotent-replayed",
    }
    refused = requests.get(f"{cors_server}/v1/api-keys", headers={**auth, "Origin": REFUSED}, timeout=30)
    assert refused.status_code == 200 and grants(refused) == {}
    problem = requests.get(f"{cors_server}/v1/api-keys/nope", headers={"Origin": ALLOWED}, timeout=30)
    assert problem.status_code == 401 and grants(problem)["access-control-allow-origin"] == ALLOWED


def test_without_origins_a_preflight_is_the_default_routes_405(client: Client) -> None:
    response = client.request(
        "OPTIONS", "/v1/api-keys", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}
    )
    assert_problem(response, 405, "method-not-allowed", "/v1/api-keys")
    assert grants(response) == {}


# ------------------------------------------------------------------------------ make invoke
def run_invoke(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m local.invoke <args>``, as ``make invoke`` runs it."""
    return subprocess.run(
        [sys.executable, "-m", "local.invoke", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.fixture(scope="module")
def invoked_events(ddb_local: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """``python -m local.invoke --all``: every event file through make invoke's code path, once."""
    data_dir = tmp_path_factory.mktemp("invoke")
    result = run_invoke(
        "--all",
        "--data-dir",
        str(data_dir),
        "--dynamodb-endpoint",
        ddb_local,
        "--table-name",
        "keysmith-e2e-invoke",
    )
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert lines, f"no output; stderr:\n{result.stderr[-4000:]}"
    return {Path(line["event"]).name: line for line in lines}


@pytest.mark.parametrize("event_file", EVENT_FILES)
def test_every_event_file_gets_a_non_5xx_answer_through_make_invoke(
    invoked_events: dict[str, dict[str, Any]], event_file: str
) -> None:
    line = invoked_events[event_file]
    assert "error" not in line, line.get("error")
    result = line["result"]
    if line["function"] == "AuthorizerFunction":
        assert result["isAuthorized"] is True and result["context"]["key_id"]
    elif line["function"] == "PublishAuditEventsFunction":  # a stream batch: no record to retry
        assert result == {"batchItemFailures": []}, result
    else:
        assert isinstance(result, dict) and result["statusCode"] < 500, result


def test_make_invoke_prints_only_the_result_on_stdout(ddb_local: str, tmp_path: Path) -> None:
    result = run_invoke(
        "GetKeyFunction", "events/get_key.json", "--data-dir", str(tmp_path), "--dynamodb-endpoint", ddb_local
    )
    assert result.returncode == 0, result.stderr[-4000:]
    answer = json.loads(result.stdout)  # nothing else on stdout: function logs go to stderr
    assert answer["statusCode"] == 200
    body = json.loads(answer["body"])
    assert body["name"] == "make invoke: mine" and body["owner"] == {"type": "user", "id": "u_123"}
    assert f"key 'mine' is {body['id']}" in result.stderr


def test_make_invoke_explains_an_unknown_function(tmp_path: Path) -> None:
    result = run_invoke("NoSuchFunction", "--data-dir", str(tmp_path), timeout=60)
    assert result.returncode == 2
    assert "no function 'NoSuchFunction'" in result.stderr and result.stdout == ""


# ------------------------------------------------------------------------------ persistence
def test_a_key_survives_a_restart_on_the_same_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    persistent = ["--dynamodb-port", "0"]  # persistent DynamoDB Local under data_dir, on a free port
    with run_local_server(data_dir, persistent) as first:
        token = requests.post(
            f"{first.url}/_local/sessions", json={"user_id": "u_p", "tenant_id": "t_p"}, timeout=10
        ).json()["token"]
        created = requests.post(
            f"{first.url}/v1/api-keys",
            json={"name": "kept"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        endpoint = (data_dir / STATE_FILE).read_text().strip()
        assert endpoint.startswith("http://127.0.0.1:")
        # A second server on the same data dir would open the same files: it refuses, and says why.
        second = subprocess.run(
            [sys.executable, "-m", "local.server", "--port", "0", "--data-dir", str(data_dir)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1 and "already runs" in second.stderr
        assert first.stop() == 0
    assert "local server: stopped" in first.log()
    assert not (data_dir / STATE_FILE).exists()
    assert (data_dir / "dynamodb" / "shared-local-instance.db").exists()

    with run_local_server(data_dir, persistent) as again:
        # The signing key is kept too, so the session from before the restart still works.
        got = requests.get(
            f"{again.url}/v1/api-keys/{created.json()['id']}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert got.status_code == 200, got.text
        assert got.json()["name"] == "kept"
