"""A bounded load run on the local server (127.0.0.1 only): concurrent clients mix create, verify,
revoke and list, bounded in count and in time; every other key is JWT-format. It ends with every
created key listed, every revoked key failing verification (REVOKED), every other key verifying,
and no 5xx. Prints the requests served.

``make test``: 20 clients x 12 operations; ``make fuzz``: 24 clients x 120 (``LOAD_CLIENTS``,
``LOAD_OPERATIONS`` override), each run stopping at its time limit whatever the count.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tests.support.hardening import Deadline, record_figures, scale

pytestmark = pytest.mark.e2e

CLIENTS = int(os.environ.get("LOAD_CLIENTS") or scale(20, 24))
OPERATIONS = int(os.environ.get("LOAD_OPERATIONS") or scale(12, 120))
TIME_LIMIT = float(scale(90, 420))


@dataclass
class Client:
    base: str
    number: int
    token: str = ""
    http: requests.Session = field(default_factory=requests.Session)
    live: dict[str, str] = field(default_factory=dict)  # id -> plaintext
    revoked: dict[str, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        reply = self.http.request(method, self.base + path, headers=headers, timeout=30, **kwargs)
        self.statuses[reply.status_code] += 1
        if reply.status_code >= 500:
            self.errors.append(f"{method} {path}: {reply.status_code} {reply.text[:200]}")
        return reply

    def login(self) -> None:
        reply = self.http.post(
            self.base + "/_local/sessions",
            json={"user_id": f"load_{self.number}", "tenant_id": "load"},
            timeout=30,
        )
        reply.raise_for_status()
        self.token = reply.json()["token"]

    def create(self) -> None:
        key_format = "jwt" if (len(self.live) + len(self.revoked)) % 2 else "opaque"
        reply = self.call(
            "POST",
            "/v1/api-keys",
            json={"name": f"load {self.number}", "scopes": ["read"], "format": key_format},
        )
        if reply.status_code == 201:
            body = reply.json()
            self.live[body["id"]] = body["key"]
        else:
            self.errors.append(f"create: {reply.status_code} {reply.text[:200]}")

    def verify(self, rng: random.Random) -> None:
        pool = list(self.live.items()) + list(self.revoked.items())
        if not pool:
            return self.create()
        key_id, key = rng.choice(pool)
        reply = self.call("POST", "/internal/v1/verify", json={"key": key, "required_scopes": ["read"]})
        if reply.status_code != 200:
            self.errors.append(f"verify: {reply.status_code} {reply.text[:200]}")
            return None
        expected = "VALID" if key_id in self.live else "REVOKED"
        if reply.json()["code"] != expected:
            self.errors.append(f"verify {key_id}: {reply.json()} expected {expected}")
        return None

    def revoke(self, rng: random.Random) -> None:
        if not self.live:
            return self.create()
        key_id = rng.choice(sorted(self.live))
        reply = self.call("POST", f"/v1/api-keys/{key_id}/revoke")
        if reply.status_code == 200 and reply.json()["status"] == "revoked":
            self.revoked[key_id] = self.live.pop(key_id)
        else:
            self.errors.append(f"revoke: {reply.status_code} {reply.text[:200]}")
        return None

    def list_all(self) -> set[str]:
        seen: set[str] = set()
        cursor = None
        for _ in range(1000):
            params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
            reply = self.call("GET", "/v1/api-keys", params=params)
            if reply.status_code != 200:
                self.errors.append(f"list: {reply.status_code} {reply.text[:200]}")
                return seen
            page = reply.json()
            seen |= {item["id"] for item in page["items"]}
            cursor = page["next_cursor"]
            if not cursor:
                break
        return seen


def run_client(client: Client, operations: int, deadline: Deadline, barrier: threading.Barrier) -> None:
    rng = random.Random(client.number)
    client.login()
    barrier.wait(timeout=60)
    for _ in range(operations):
        if deadline.passed():
            break
        choice = rng.random()
        if choice < 0.35:
            client.create()
        elif choice < 0.70:
            client.verify(rng)
        elif choice < 0.85:
            client.revoke(rng)
        else:
            client.list_all()


def test_bounded_load_keeps_every_key_and_every_revocation(local_server: str) -> None:
    assert local_server.startswith("http://127.0.0.1:")
    clients = [Client(local_server, n) for n in range(CLIENTS)]
    deadline = Deadline(TIME_LIMIT)
    barrier = threading.Barrier(CLIENTS)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        for future in [pool.submit(run_client, c, OPERATIONS, deadline, barrier) for c in clients]:
            future.result(timeout=TIME_LIMIT + 120)
    loaded = time.monotonic() - started
    # the ending: every created key is listed, every revoked key fails, every other one verifies
    lost = wrong = 0
    for client in clients:
        listed = client.list_all()
        made = set(client.live) | set(client.revoked)
        lost += len(made - listed)
        for key_id, key in [*client.live.items(), *client.revoked.items()]:
            reply = client.call("POST", "/internal/v1/verify", json={"key": key})
            expected = "REVOKED" if key_id in client.revoked else "VALID"
            if reply.status_code != 200 or reply.json()["code"] != expected:
                wrong += 1
    statuses: Counter[int] = sum((c.statuses for c in clients), Counter())
    served = sum(statuses.values())
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    created = sum(len(c.live) + len(c.revoked) for c in clients)
    revoked = sum(len(c.revoked) for c in clients)
    print(
        f"\nLOAD: {CLIENTS} clients, {served} requests served in {time.monotonic() - started:.1f}s "
        f"({served / max(loaded, 0.001):.0f}/s under load), {created} keys created, {revoked} revoked, "
        f"5xx: {server_errors}, lost keys: {lost}, wrong verifications: {wrong}, statuses: {dict(statuses)}"
    )
    record_figures(
        "load",
        clients=CLIENTS,
        requests_served=served,
        keys_created=created,
        keys_revoked=revoked,
        responses_5xx=server_errors,
        lost_keys=lost,
        wrong_verifications=wrong,
    )
    errors = [e for c in clients for e in c.errors]
    assert not errors, errors[:10]
    assert server_errors == 0 and lost == 0 and wrong == 0
    assert created > 0 and revoked > 0
    every_key = [key for c in clients for key in (*c.live.values(), *c.revoked.values())]
    assert any(key.count(".") == 2 for key in every_key) and any(key.count(".") == 0 for key in every_key)
