"""POST /v1/verify records last-used: the request's or the caller's IP and user agent, at most once
per window across containers, and a failed write still answers valid."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from keysmith import wiring
from keysmith.domain.verifier import Verifier
from keysmith.store.keys import KeyStore
from local.dynamo_calls import counting
from tests.support.client import Client as Api
from tests.support.hardening import FaultInjector, capture_logs
from tests.support.verification import admin_key, fetch, verify


def test_last_used_defaults_to_the_verify_requests_own_ip_and_user_agent(api: Api) -> None:
    created = admin_key(api)
    assert verify(api, {"key": created["key"]}).body["valid"] is True
    seen = fetch(api, created["id"])
    assert seen["last_used_ip"] == "203.0.113.9"  # the event's requestContext.http.sourceIp
    assert seen["last_used_user_agent"] == "keysmith-tests/1.0"
    assert seen["last_used_at"] is not None


def test_the_callers_client_ip_and_user_agent_win(api: Api) -> None:
    created = admin_key(api)
    body = {"key": created["key"], "client_ip": "2001:DB8::0:1", "user_agent": "curl/8.5"}
    assert verify(api, body).body["valid"] is True
    seen = fetch(api, created["id"])
    assert (seen["last_used_ip"], seen["last_used_user_agent"]) == ("2001:db8::1", "curl/8.5")


def test_last_used_is_written_at_most_once_per_window(make_api: Any) -> None:
    api = make_api(last_used_resolution_seconds=60)
    created = admin_key(api)
    client = api.parts.store.client
    with counting(client) as first:
        assert verify(api, {"key": created["key"], "client_ip": "192.0.2.1"}).body["valid"]
    with counting(client) as second:
        assert verify(api, {"key": created["key"], "client_ip": "192.0.2.2"}).body["valid"]
    assert (first, second) == (["GetItem", "UpdateItem"], ["GetItem"])
    assert fetch(api, created["id"])["last_used_ip"] == "192.0.2.1"
    with wiring.replace(now=lambda: time.time() + 61), counting(client) as later:
        assert verify(api, {"key": created["key"], "client_ip": "192.0.2.3"}).body["valid"]
    assert later == ["GetItem", "UpdateItem"]
    assert fetch(api, created["id"])["last_used_ip"] == "192.0.2.3"


def warm_containers(api: Api, count: int) -> list[Verifier]:
    """``count`` verifiers as separate warm Lambda containers hold them: each with its own KeyStore
    and cache, all on the test's table."""
    settings = api.parts.settings
    return [
        wiring.build_verifier(settings, KeyStore(api.parts.store.client, settings.table_name))
        for _ in range(count)
    ]


def test_containers_that_all_read_before_any_writes_write_once_between_them(api: Api) -> None:
    created = admin_key(api)
    containers = warm_containers(api, 4)
    seen = [c.verify(created["key"]) for c in containers]  # every container read "never used"
    assert all(s.valid and s.record is not None and s.record.last_used_at is None for s in seen)
    outcomes = [
        c.record_use(s.record, f"10.0.0.{i}", "race")  # type: ignore[arg-type]
        for i, (c, s) in enumerate(zip(containers, seen, strict=True))
    ]
    assert outcomes == [True, False, False, False]  # the condition on last_used_at refused the rest
    assert fetch(api, created["id"])["last_used_ip"] == "10.0.0.0"


# On the real engine only: moto does not apply conditional writes atomically under threads.
@pytest.mark.parametrize("dynamodb", ["ddblocal"], indirect=True)
def test_concurrent_containers_race_and_one_write_lands(api: Api) -> None:
    created = admin_key(api)
    containers = warm_containers(api, 8)
    seen = [c.verify(created["key"]) for c in containers]
    barrier = threading.Barrier(len(containers))
    outcomes: list[bool] = []

    def use(index: int) -> None:
        barrier.wait()
        record = seen[index].record
        assert record is not None
        outcomes.append(containers[index].record_use(record, f"10.0.0.{index}", "race"))

    threads = [threading.Thread(target=use, args=(i,)) for i in range(len(containers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * (len(containers) - 1) + [True]


def test_a_failed_last_used_write_still_answers_valid(api: Api) -> None:
    created = admin_key(api)
    with (
        capture_logs() as lines,
        FaultInjector(api.parts.store.client, "UpdateItem", "throughput").active(),
    ):
        reply = verify(api, {"key": created["key"]})
    assert reply.status == 200 and reply.body["code"] == "VALID"
    assert any("last-used write failed" in line for line in lines)
    assert fetch(api, created["id"])["last_used_at"] is None
