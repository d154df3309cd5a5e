"""The local server over HTTP: its own routes, API Gateway's behaviour in front of the functions,
make invoke's code path for every event file, and data that survives a restart."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest

from local.ddb import STATE_FILE
from local.invoke import EVENTS_DIR
from local.sessions import LOCAL_AUDIENCE, LOCAL_ISSUER
from local.template import REPO_ROOT
from tests.conftest import LocalServerProcess, run_local_server
from tests.e2e.conftest import Client

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
    verdict = client.post("/v1/verify", json={"key": created["key"], "required_scopes": ["write"]})
    assert verdict.status_code == 200 and verdict.json()["valid"] is True
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
    import requests

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
