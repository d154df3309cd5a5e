"""POST /v1/verify, the Lambda authorizer and GET /v1/whoami over HTTP on the local server: every
verify code reachable from a client, the body rules, the authorizer allowing, denying and passing
its context to whoami, and last-used recorded and throttled as GET /v1/api-keys/{id} shows it."""

from __future__ import annotations

import calendar
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from keysmith.domain import key_format as tokens
from tests.e2e.conftest import Client

PROBLEM = "application/problem+json"


@pytest.fixture
def admin(session_token: Callable[..., str]) -> str:
    """An admin session in a tenant of its own, so tests never see each other's keys."""
    return session_token("u_admin", f"t_{uuid.uuid4().hex[:10]}", ["admin"])


def verify(client: Client, body: Any, **headers: str) -> dict[str, Any]:
    response = client.post("/internal/v1/verify", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Request-Id"]
    answer: dict[str, Any] = response.json()
    return answer


def fetch(client: Client, token: str, key_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/api-keys/{key_id}", token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def act(client: Client, token: str, key_id: str, action: str) -> None:
    response = client.post(f"/v1/api-keys/{key_id}/{action}", token)
    assert response.status_code == 200, response.text


# --- every code -----------------------------------------------------------------------------------


def test_a_valid_key_answers_valid_with_its_principal(
    client: Client, admin: str, create_key: Callable[..., dict[str, Any]]
) -> None:
    created = create_key(
        admin,
        scopes=["read", "write"],
        environment_id="env_prod",
        metadata={"team": "billing"},
        service_account_id="sa_billing",
    )
    answer = verify(
        client, {"key": created["key"], "required_scopes": ["read", "write"], "environment_id": "env_prod"}
    )
    assert answer == {
        "valid": True,
        "code": "VALID",
        "key": {
            "id": created["id"],
            "tenant_id": created["tenant_id"],
            "owner": {"type": "service_account", "id": "sa_billing"},
            "scopes": ["read", "write"],
            "environment_id": "env_prod",
            "expires_at": None,
            "metadata": {"team": "billing"},
        },
    }


def test_every_invalid_code_is_reachable_over_http(
    client: Client, admin: str, create_key: Callable[..., dict[str, Any]]
) -> None:
    live = create_key(admin, scopes=["read"], environment_id="env_prod")
    suspended = create_key(admin, name="suspended")
    act(client, admin, suspended["id"], "suspend")
    revoked = create_key(admin, name="revoked")
    act(client, admin, revoked["id"], "revoke")
    expiring = create_key(admin, name="expiring", expires_in_seconds=1)
    time.sleep(2.1)  # expires_in_seconds counts from the whole second the key was made

    cases = {
        "MALFORMED": {"key": live["key"][:-1] + ("0" if live["key"][-1] != "0" else "1")},
        "NOT_FOUND": {"key": tokens.generate("ks")},
        "EXPIRED": {"key": expiring["key"]},
        "SUSPENDED": {"key": suspended["key"]},
        "REVOKED": {"key": revoked["key"]},
        "INSUFFICIENT_SCOPE": {"key": live["key"], "required_scopes": ["write"]},
        "WRONG_ENVIRONMENT": {"key": live["key"], "environment_id": "env_dev"},
    }
    for code, body in cases.items():
        assert verify(client, body) == {"valid": False, "code": code}, code
    for created in (live, suspended, revoked, expiring):
        assert fetch(client, admin, created["id"])["last_used_at"] is None  # only VALID is a use


@pytest.mark.parametrize(
    ("data", "content_type", "status", "slug"),
    [
        ('{"key": "x"}', "text/plain", 415, "unsupported-media-type"),
        ("not json", "application/json", 400, "malformed-request"),
        ('["ks_x"]', "application/json", 400, "malformed-request"),
        ('{"key": 5}', "application/json", 422, "validation-error"),
        ('{"key": "ks_x", "scopes": ["read"]}', "application/json", 422, "validation-error"),
        ('{"key": "' + "x" * 17_000 + '"}', "application/json", 413, "payload-too-large"),
    ],
)
def test_a_request_that_is_not_well_formed_is_a_problem(
    client: Client, data: str, content_type: str, status: int, slug: str
) -> None:
    response = client.post("/internal/v1/verify", data=data.encode(), headers={"Content-Type": content_type})
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == f"urn:keysmith:problem:{slug}"
    assert body["instance"] == "/v1/verify"
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_verify_needs_no_credential_locally_and_ignores_one(client: Client, admin: str) -> None:
    assert verify(client, {"key": "ks_nope"})["code"] == "MALFORMED"
    response = client.post("/internal/v1/verify", admin, json={"key": "ks_nope"})
    assert response.status_code == 200 and response.json()["code"] == "MALFORMED"


# --- the authorizer in front of whoami ---------------------------------------------------------------


def test_whoami_answers_the_principal_the_authorizer_passes_on(
    client: Client, admin: str, create_key: Callable[..., dict[str, Any]]
) -> None:
    created = create_key(admin, scopes=["read", "write"], environment_id="env_prod")
    response = client.get("/v1/whoami", created["key"])
    assert response.status_code == 200, response.text
    assert response.json() == {
        "key_id": created["id"],
        "tenant_id": created["tenant_id"],
        "owner": {"type": "user", "id": "u_admin"},
        "scopes": ["read", "write"],
        "environment_id": "env_prod",
    }
    tenant_wide = create_key(admin, scopes=["read"])
    assert client.get("/v1/whoami", tenant_wide["key"]).json()["environment_id"] is None


def test_without_an_authorization_header_api_gateway_answers_401(client: Client) -> None:
    response = client.get("/v1/whoami")
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_the_authorizer_denies_and_api_gateway_answers_403(
    client: Client, admin: str, create_key: Callable[..., dict[str, Any]]
) -> None:
    suspended = create_key(admin, name="suspended")
    act(client, admin, suspended["id"], "suspend")
    revoked = create_key(admin, name="revoked")
    act(client, admin, revoked["id"], "revoke")
    for credential in (
        "ks_not_a_key",
        tokens.generate("ks"),
        suspended["key"],
        revoked["key"],
        admin,  # a session: the authorizer takes API keys only
    ):
        response = client.get("/v1/whoami", credential)
        assert response.status_code == 403, (credential[:12], response.text)
        assert response.json() == {"message": "Forbidden"}
    basic = client.get("/v1/whoami", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 403


def test_a_suspended_key_that_is_activated_again_is_allowed_again(
    client: Client, admin: str, create_key: Callable[..., dict[str, Any]]
) -> None:
    created = create_key(admin)
    act(client, admin, created["id"], "suspend")
    assert client.get("/v1/whoami", created["key"]).status_code == 403
    act(client, admin, created["id"], "activate")
    assert client.get("/v1/whoami", created["key"]).status_code == 200


# --- last used --------------------------------------------------------------------------------------


def test_last_used_is_recorded_once_per_window_and_shown_by_get(
    client: Client, admin: str, create_key: Callable[..., dict[str, Any]]
) -> None:
    created = create_key(admin)
    before = time.time()
    answer = verify(client, {"key": created["key"], "client_ip": "203.0.113.7", "user_agent": "partner/1.0"})
    assert answer["valid"] is True
    first = fetch(client, admin, created["id"])
    assert (first["last_used_ip"], first["last_used_user_agent"]) == ("203.0.113.7", "partner/1.0")
    assert first["last_used_at"] is not None
    assert int(before) - 1 <= _epoch(first["last_used_at"]) <= time.time() + 1
    # Inside LastUsedResolutionSeconds (60 s by default) nothing more is written, whoever uses it.
    verify(client, {"key": created["key"], "client_ip": "198.51.100.1", "user_agent": "other/2.0"})
    assert client.get("/v1/whoami", created["key"]).status_code == 200
    again = fetch(client, admin, created["id"])
    assert {k: again[k] for k in ("last_used_at", "last_used_ip", "last_used_user_agent")} == {
        k: first[k] for k in ("last_used_at", "last_used_ip", "last_used_user_agent")
    }


def test_verify_defaults_to_its_own_requests_ip_and_user_agent(
    client: Client, admin: str, create_key: Callable[..., dict[str, Any]]
) -> None:
    created = create_key(admin)
    verify(client, {"key": created["key"]}, **{"User-Agent": "caller-service/3.1"})
    seen = fetch(client, admin, created["id"])
    assert (seen["last_used_ip"], seen["last_used_user_agent"]) == ("127.0.0.1", "caller-service/3.1")


def test_the_authorizer_records_the_use_of_the_request_it_lets_through(
    client: Client, admin: str, create_key: Callable[..., dict[str, Any]]
) -> None:
    created = create_key(admin)
    response = client.get("/v1/whoami", created["key"], headers={"User-Agent": "partner-sdk/2.1"})
    assert response.status_code == 200
    seen = fetch(client, admin, created["id"])
    assert (seen["last_used_ip"], seen["last_used_user_agent"]) == ("127.0.0.1", "partner-sdk/2.1")


def _epoch(stamp: str) -> int:
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
