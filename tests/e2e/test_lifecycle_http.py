"""The key lifecycle over HTTP against the local server, as a client sees it: the walkthrough of
the README, the answers' headers, and racing requests from many client threads."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from local.ddb import make_client
from local.stack import LOCAL_TABLE_NAME
from tests.e2e.conftest import Client

PROBLEM = "application/problem+json"


def tenant() -> str:
    return f"t_{uuid.uuid4().hex[:10]}"  # the server's table is shared by the whole session


def test_the_lifecycle_walkthrough(
    client: Client, session_token: Callable[..., str], create_key: Callable[..., dict[str, Any]]
) -> None:
    token = session_token("alice", tenant())
    key = create_key(
        token, name="CI deploy", scopes=["read", "write", "keys:read"], expires_in_seconds=86_400
    )
    path = f"/v1/api-keys/{key['id']}"

    patched = client.request(
        "PATCH", path, token, json={"name": "CI deploy (main)", "metadata": {"repo": "app"}}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "CI deploy (main)"
    assert patched.json()["metadata"] == {"repo": "app"}

    suspended = client.post(f"{path}/suspend", token)
    assert suspended.status_code == 200
    assert suspended.json()["status"] == "suspended"
    assert suspended.headers["X-Request-Id"]
    # a suspended key does not authenticate
    assert client.get("/v1/api-keys", key["key"]).status_code == 401

    again = client.post(f"{path}/suspend", token)
    assert again.status_code == 409
    assert again.headers["Content-Type"] == PROBLEM
    problem = again.json()
    assert problem["type"] == "urn:keysmith:problem:conflict"
    assert problem["detail"] == "The key is suspended; suspend is available only for active keys."
    assert problem["instance"] == f"{path}/suspend"

    assert client.post(f"{path}/activate", token).json()["status"] == "active"
    assert client.get("/v1/api-keys", key["key"]).status_code == 200

    rotated = client.post(f"{path}/rotate", token, json={"grace_period_seconds": 3600})
    assert rotated.status_code == 201, rotated.text
    assert rotated.headers["Cache-Control"] == "no-store"
    successor = rotated.json()
    assert successor["rotated_from"] == key["id"]
    assert successor["key"] != key["key"]
    old = client.get(path, token).json()
    assert old["rotated_to"] == successor["id"] and old["status"] == "active"
    assert client.get("/v1/api-keys", key["key"]).status_code == 200  # still valid in its grace
    assert client.get("/v1/api-keys", successor["key"]).status_code == 200

    revoked = client.post(f"{path}/revoke", token)
    assert revoked.status_code == 200
    assert revoked.json()["available_actions"] == {
        "suspend": False,
        "activate": False,
        "revoke": False,
        "rotate": False,
        "delete": True,
    }
    assert client.get("/v1/api-keys", key["key"]).status_code == 401

    deleted = client.request("DELETE", path, token)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert deleted.headers["X-Request-Id"]
    assert client.get(path, token).status_code == 404
    assert client.request("DELETE", path, token).status_code == 404


def test_rotate_without_a_body_revokes_at_once(
    client: Client, session_token: Callable[..., str], create_key: Callable[..., dict[str, Any]]
) -> None:
    token = session_token("alice", tenant())
    key = create_key(token)
    rotated = client.post(f"/v1/api-keys/{key['id']}/rotate", token)
    assert rotated.status_code == 201, rotated.text
    assert client.get(f"/v1/api-keys/{key['id']}", token).json()["status"] == "revoked"
    assert client.post(f"/v1/api-keys/{key['id']}/rotate", token).status_code == 409


def test_client_errors_over_http(
    client: Client, session_token: Callable[..., str], create_key: Callable[..., dict[str, Any]]
) -> None:
    token = session_token("alice", tenant())
    key = create_key(token)
    path = f"/v1/api-keys/{key['id']}"
    cases = [
        (client.request("PATCH", path, token, json={}), 422, "validation-error"),
        (client.request("PATCH", path, token, json={"owner": "x"}), 422, "validation-error"),
        (client.request("PATCH", path, token, data="name=x"), 415, "unsupported-media-type"),
        (client.post(f"{path}/rotate", token, json={"grace_period_seconds": -1}), 422, "validation-error"),
        (client.post(f"{path}/suspend", None), 401, "unauthenticated"),
        (client.request("PUT", path, token), 405, "method-not-allowed"),
        (client.post(f"{path}/unrevoke", token), 404, "not-found"),
        (client.request("DELETE", path, token), 409, "conflict"),
    ]
    for response, status, slug in cases:
        assert response.status_code == status, (status, response.text)
        assert response.headers["Content-Type"] == PROBLEM
        assert response.json()["type"] == f"urn:keysmith:problem:{slug}"
    assert client.get(path, token).json()["status"] == "active"


def race(calls: list[Callable[[], requests.Response]], workers: int = 12) -> list[requests.Response]:
    barrier = threading.Barrier(min(workers, len(calls)))

    def start(index: int) -> requests.Response:
        if index < barrier.parties:
            barrier.wait(timeout=30)
        return calls[index]()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(start, range(len(calls))))


def test_racing_state_changes_over_http_stay_consistent(
    local_server: str,
    ddb_local: str,
    session_token: Callable[..., str],
    create_key: Callable[..., dict[str, Any]],
) -> None:
    token = session_token("alice", tenant())
    key = create_key(token)
    actions = ["suspend", "activate", "revoke"] * 11

    def post(action: str) -> Callable[[], requests.Response]:
        def send() -> requests.Response:
            url = f"{local_server}/v1/api-keys/{key['id']}/{action}"
            return requests.post(url, headers={"Authorization": f"Bearer {token}"}, timeout=60)

        return send

    responses = race([post(action) for action in actions])
    outcomes = Counter((action, r.status_code) for action, r in zip(actions, responses, strict=True))
    assert {r.status_code for r in responses} <= {200, 409}, outcomes
    assert outcomes[("revoke", 200)] <= 1
    item = make_client(ddb_local).get_item(TableName=LOCAL_TABLE_NAME, Key={"id": {"S": key["id"]}})["Item"]
    successes = sum(1 for r in responses if r.status_code == 200)
    assert int(item["version"]["N"]) == 1 + successes, outcomes
    if outcomes[("revoke", 200)]:
        assert item["status"] == {"S": "revoked"}


def test_racing_rotations_over_http_make_one_successor(
    local_server: str,
    session_token: Callable[..., str],
    create_key: Callable[..., dict[str, Any]],
    client: Client,
) -> None:
    token = session_token("alice", tenant())
    key = create_key(token)

    def rotate() -> requests.Response:
        url = f"{local_server}/v1/api-keys/{key['id']}/rotate"
        return requests.post(url, headers={"Authorization": f"Bearer {token}"}, timeout=60)

    responses = race([rotate for _ in range(10)])
    assert Counter(r.status_code for r in responses) == Counter({201: 1, 409: 9})
    winner = next(r for r in responses if r.status_code == 201).json()
    items = client.get("/v1/api-keys", token, params={"limit": "100"}).json()["items"]
    assert sorted(i["id"] for i in items) == sorted([key["id"], winner["id"]])
    assert [i["id"] for i in items if i["rotated_from"] == key["id"]] == [winner["id"]]
