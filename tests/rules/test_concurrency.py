"""Many requests at one key at once, on DynamoDB Local (the real engine's conditional writes and
transactions). Each worker thread is one "container": its own import of each function module, as
separate Lambda execution environments would have; they share one boto3 client (thread-safe).

Every change is one conditional write (with its audit event, in one transaction), so whatever the
interleaving: only 200/409 (201/409 for rotation) answers, a revoked key stays revoked, the version
counts exactly the changes that succeeded, each success has exactly one audit event (and a refusal
none), and a key gets exactly one successor.
"""

from __future__ import annotations

import importlib.util
import json
import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from types import ModuleType
from typing import Any

import pytest

from tests.helpers import ROOT, Reply, count_requests, make_event
from tests.support.audit import stored_events
from tests.support.client import Client as Api

pytestmark = [pytest.mark.ddblocal, pytest.mark.parametrize("dynamodb", ["ddblocal"], indirect=True)]

WORKERS = 12
FOLDERS = {
    "suspend": "suspend_key",
    "activate": "activate_key",
    "revoke": "revoke_key",
    "rotate": "rotate_key",
}


def load_copy(folder: str, copy: int) -> ModuleType:
    """functions/<folder>/app.py imported afresh under its own name: one container's module."""
    path = ROOT / "functions" / folder / "app.py"
    spec = importlib.util.spec_from_file_location(f"keysmith_concurrency_{folder}_{copy}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Containers:
    """One copy of each function per worker thread; a thread always uses its own copies."""

    def __init__(self, actions: list[str]) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._copies = [{a: load_copy(FOLDERS[a], i).handler for a in actions} for i in range(WORKERS)]
        self._next = 0

    def handlers(self) -> dict[str, Callable[..., dict[str, Any]]]:
        if not hasattr(self._local, "handlers"):
            with self._lock:
                # a pool has at most WORKERS threads; a later pool reuses the copies of a finished one
                self._local.handlers = self._copies[self._next % WORKERS]
                self._next += 1
        handlers: dict[str, Callable[..., dict[str, Any]]] = self._local.handlers
        return handlers

    def post(self, action: str, key_id: str, token: str, body: Any = None) -> Reply:
        path = f"/v1/api-keys/{key_id}/{action}"
        headers = {"authorization": f"Bearer {token}"}
        if body is not None:
            headers["content-type"] = "application/json"
        event = make_event(
            "POST",
            path,
            headers=headers,
            body=json.dumps(body) if body is not None else None,
        )
        result = self.handlers()[action](event, None)
        return Reply(int(result["statusCode"]), dict(result.get("headers") or {}), result.get("body") or "")


def run_together(calls: list[Callable[[], Reply]]) -> list[Reply]:
    """Start every call at the same moment (a barrier per worker), collect the replies in order."""
    parties = min(WORKERS, len(calls))
    barrier = threading.Barrier(parties)

    def start(call: Callable[[], Reply], index: int) -> Reply:
        if index < parties:
            barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(start, call, i) for i, call in enumerate(calls)]
        return [future.result(timeout=120) for future in futures]


def create(api: Api, token: str, **body: Any) -> dict[str, Any]:
    reply = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "contended", **body})
    assert reply.status == 201, reply.text
    return dict(reply.body)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_concurrent_suspend_activate_revoke_stay_consistent(api: Api, seed: int) -> None:
    token = api.session("alice", "acme")
    key = create(api, token)
    containers = Containers(["suspend", "activate", "revoke"])
    actions = ["suspend"] * 14 + ["activate"] * 14 + ["revoke"] * 8
    random.Random(seed).shuffle(actions)
    replies = run_together([partial(containers.post, action, key["id"], token) for action in actions])
    outcomes = Counter((action, reply.status) for action, reply in zip(actions, replies, strict=True))
    assert {reply.status for reply in replies} <= {200, 409}, outcomes
    for action, reply in zip(actions, replies, strict=True):
        if reply.status == 200:
            assert (
                reply.body["status"]
                == {"suspend": "suspended", "activate": "active", "revoke": "revoked"}[action]
            )
        else:
            assert reply.body["type"] == "urn:keysmith:problem:conflict"
            assert reply.body["detail"].startswith("The key is "), reply.body["detail"]
    successes = sum(1 for reply in replies if reply.status == 200)
    assert outcomes[("revoke", 200)] <= 1, outcomes
    final = api.parts.store.get_raw(key["id"])
    assert final is not None
    assert int(final["version"]["N"]) == 1 + successes, outcomes
    # one event per success; the status changes they record chain from active to the final status
    # (each event's "from" is what the change before it left: every status entered is left again,
    # but for the last), whatever order their request times put them in
    events = stored_events(api.parts.store.client, api.parts.store.table, key["id"])
    assert Counter(e["action"] for e in events) == Counter(
        ["create"] + [action for action, reply in zip(actions, replies, strict=True) if reply.status == 200]
    )
    statuses = [e["changes"]["status"] for e in events[1:]]
    balance = Counter(s["to"] for s in statuses)
    balance.subtract(Counter(s["from"] for s in statuses))
    expected = Counter({final["status"]["S"]: 1})
    expected.subtract(Counter({"active": 1}))
    assert +balance == +expected and -balance == -expected, statuses
    assert {e["request_id"] for e in events[1:]} == {
        reply.header("X-Request-Id") for reply in replies if reply.status == 200
    }
    if outcomes[("revoke", 200)]:
        assert final["status"] == {"S": "revoked"}
        assert "ttl" in final and "revoked_at" in final
    # whatever happened, a revoked key stays revoked
    after = run_together([partial(containers.post, "activate", key["id"], token) for _ in range(WORKERS)])
    if final["status"] == {"S": "revoked"}:
        assert {reply.status for reply in after} == {409}
        assert api.parts.store.get_raw(key["id"]) == final


def test_revocation_wins_over_everything_that_follows(api: Api) -> None:
    """Revoke first, then a storm of every action: nothing changes the revoked key."""
    token = api.session("alice", "acme")
    key = create(api, token)
    containers = Containers(["suspend", "activate", "revoke", "rotate"])
    assert containers.post("revoke", key["id"], token).status == 200
    revoked = api.parts.store.get_raw(key["id"])
    storm = ["suspend", "activate", "revoke", "rotate"] * 9
    replies = run_together([partial(containers.post, action, key["id"], token) for action in storm])
    assert {reply.status for reply in replies} == {409}
    assert all("revoked" in reply.body["detail"] for reply in replies)
    assert api.parts.store.get_raw(key["id"]) == revoked
    events = stored_events(api.parts.store.client, api.parts.store.table, key["id"])
    assert [e["action"] for e in events] == ["create", "revoke"]


@pytest.mark.parametrize("grace", [0, 300])
def test_concurrent_rotations_make_exactly_one_successor(api: Api, grace: int) -> None:
    token = api.session("alice", "acme")
    key = create(api, token)
    containers = Containers(["rotate"])
    body = {"grace_period_seconds": grace}
    replies = run_together([partial(containers.post, "rotate", key["id"], token, body) for _ in range(10)])
    statuses = Counter(reply.status for reply in replies)
    assert statuses == Counter({201: 1, 409: 9}), [reply.text for reply in replies if reply.status != 201]
    winner = next(reply for reply in replies if reply.status == 201)
    assert winner.header("Cache-Control") == "no-store"
    for reply in replies:
        if reply.status == 409:
            assert reply.body["type"] == "urn:keysmith:problem:conflict"
    listing = api.request("GET", "/v1/api-keys", token=token, query={"limit": "100"}).body["items"]
    successors = [item for item in listing if item["rotated_from"] == key["id"]]
    assert [item["id"] for item in successors] == [winner.body["id"]]
    assert len(listing) == 2
    old = api.request("GET", f"/v1/api-keys/{key['id']}", token=token).body
    assert old["rotated_to"] == winner.body["id"]
    assert old["status"] == ("revoked" if grace == 0 else "active")
    assert api.stored(key["id"])["version"] == {"N": "2"}
    client, table = api.parts.store.client, api.parts.store.table
    assert [e["action"] for e in stored_events(client, table, key["id"])] == ["create", "rotate"]
    assert [e["action"] for e in stored_events(client, table, winner.body["id"])] == ["create"]


def test_rotations_that_all_read_before_any_writes_still_make_one_successor(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst interleaving, forced: ten rotations read version 1, then all ten write. Only the
    transaction's condition on the version read stands between them and ten successors."""
    token = api.session("alice", "acme")
    key = create(api, token)
    containers = Containers(["rotate"])
    store = api.parts.store
    real_get = store.get
    everyone_has_read = threading.Barrier(10)

    def get_then_wait(key_id: str) -> Any:
        record = real_get(key_id)
        everyone_has_read.wait(timeout=30)
        return record

    monkeypatch.setattr(store, "get", get_then_wait)
    with count_requests(store.client) as counts:
        replies = run_together([partial(containers.post, "rotate", key["id"], token) for _ in range(10)])
    assert counts["TransactWriteItems"] == 10  # every one of them tried to write
    statuses = Counter(reply.status for reply in replies)
    assert statuses == Counter({201: 1, 409: 9}), [reply.text for reply in replies if reply.status != 201]
    winner = next(reply for reply in replies if reply.status == 201).body
    for reply in replies:
        if reply.status == 409:
            detail = reply.body["detail"]
            assert "already been rotated" in detail or "changed concurrently" in detail, detail
    monkeypatch.undo()
    listing = api.request("GET", "/v1/api-keys", token=token, query={"limit": "100"}).body["items"]
    assert sorted(item["id"] for item in listing) == sorted([key["id"], winner["id"]])
    assert api.stored(key["id"])["rotated_to"] == {"S": winner["id"]}
    events = stored_events(store.client, store.table)
    assert sorted((e["key_id"], e["action"]) for e in events) == sorted(
        [(key["id"], "create"), (key["id"], "rotate"), (winner["id"], "create")]
    )
