"""Store faults at every DynamoDB call site: throttling, server errors, read time-outs and dropped
connections answer 503 problem+json with Retry-After, are logged, and leave no half-done change:
no change and no audit event, or (a fault that clears within botocore's retries) both, once.
A failed last-used write never fails the request. Table-driven; the faults injected are counted.

Faults are injected with botocore's ``before-send`` hook on the runtime's own client (on moto and on
DynamoDB Local), after botocore has built and signed the request, so the store's retry settings and
error mapping run exactly as in Lambda. Lifecycle routes join the table as they land.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.helpers import ROOT, Reply
from tests.support.audit import events_by_key
from tests.support.client import Client as Api
from tests.support.hardening import (
    FAULTS,
    FaultInjector,
    capture_logs,
    record_figures,
    snapshot,
    without_usage,
)

PROBLEM = "application/problem+json"
TOTALS = {"faults_injected": 0, "faulted_requests": 0, "responses_5xx_other_than_503": 0, "half_written": 0}


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Any:
    yield
    record_figures("store-faults", **TOTALS)


@dataclass
class World:
    api: Api
    session: str
    admin: str
    key: str  # an API key with read and write, owned by the session's user... (user keys cannot create)
    service_key: str  # a service-account key with read and write (it may create)
    key_id: str
    victim_id: str  # a key the scenarios act on
    jwt_key: str  # a JWT-format key with read and keys:read, owned by the session's user
    metered_key: str  # a service-account key with credits and a rate limit (counted by one UpdateItem)


def build_world(api: Api) -> World:
    session = api.session("u_1", "acme")
    admin = api.session("root", "acme", ["admin"])
    key = api.request(
        "POST", "/v1/api-keys", token=session, json_body={"name": "k", "scopes": ["read", "keys:read"]}
    )
    service = api.create_key(
        admin, "svc", scopes=["read", "write", "keys:read", "keys:write"], service_account_id="sa_1"
    )
    victim = api.request("POST", "/v1/api-keys", token=session, json_body={"name": "victim"})
    jwt_key = api.request(
        "POST",
        "/v1/api-keys",
        token=session,
        json_body={"name": "jwt", "scopes": ["read", "keys:read"], "format": "jwt"},
    )
    metered = api.request(
        "POST",
        "/v1/api-keys",
        token=admin,
        json_body={
            "name": "metered",
            "scopes": ["read", "keys:read"],
            "service_account_id": "sa_1",
            "credits": {"remaining": 5},
            "rate_limit": {"limit": 5, "window_seconds": 3600},
        },
    )
    assert key.status == service.status == victim.status == jwt_key.status == metered.status == 201
    return World(
        api,
        session,
        admin,
        key.body["key"],
        service.body["key"],
        key.body["id"],
        victim.body["id"],
        jwt_key.body["key"],
        metered.body["key"],
    )


def _verify_metered(w: World) -> Reply:
    return w.api.request("POST", "/internal/v1/verify", json_body={"key": w.metered_key})


@dataclass(frozen=True)
class Site:
    name: str
    operation: str  # the DynamoDB operation that fails
    call: Callable[[World], Reply]
    after: int = 0  # matching calls let through first
    expect: int = 503
    # what may differ in the table afterwards: nothing, or last-used attributes only
    usage_may_change: bool = False
    prepare: Callable[[World], Reply] | None = None  # runs before the snapshot, without faults


def _create(w: World, **headers: str) -> Reply:
    return w.api.request("POST", "/v1/api-keys", token=w.session, json_body={"name": "new"}, headers=headers)


SITES: list[Site] = [
    Site("create transaction", "TransactWriteItems", _create),
    Site(
        "create transaction with an Idempotency-Key",
        "TransactWriteItems",
        lambda w: _create(w, **{"Idempotency-Key": "retry-me"}),
    ),
    Site(
        "create by a key (auth read)",
        "GetItem",
        lambda w: w.api.request("POST", "/v1/api-keys", token=w.service_key, json_body={"name": "by key"}),
    ),
    Site("get", "GetItem", lambda w: w.api.request("GET", f"/v1/api-keys/{w.victim_id}", token=w.session)),
    Site("list query", "Query", lambda w: w.api.request("GET", "/v1/api-keys", token=w.session)),
    Site(
        "list by a key (query)",
        "Query",
        lambda w: w.api.request("GET", "/v1/api-keys", token=w.key),
        usage_may_change=True,
    ),
    Site("authentication read", "GetItem", lambda w: w.api.request("GET", "/v1/api-keys", token=w.key)),
    Site(
        "authentication read of a JWT key",
        "GetItem",
        lambda w: w.api.request("GET", "/v1/api-keys", token=w.jwt_key),
    ),
    Site(
        "create a JWT key (transaction)",
        "TransactWriteItems",
        lambda w: w.api.request(
            "POST", "/v1/api-keys", token=w.session, json_body={"name": "new jwt", "format": "jwt"}
        ),
    ),
    Site(
        "get by a key (second read)",
        "GetItem",
        lambda w: w.api.request("GET", f"/v1/api-keys/{w.key_id}", token=w.key),
        after=1,
        usage_may_change=True,
    ),
    Site("metered verify: first read", "GetItem", _verify_metered),
    Site("metered verify: the counting write", "UpdateItem", _verify_metered),
    Site(
        "metered key as a caller: the counting write",
        "UpdateItem",
        lambda w: w.api.request("GET", "/v1/api-keys", token=w.metered_key),
    ),
    Site("audit events query", "Query", lambda w: w.api.request("GET", "/v1/audit-events", token=w.session)),
    Site(
        "last-used write",
        "UpdateItem",
        lambda w: w.api.request("GET", "/v1/api-keys", token=w.key),
        expect=200,
    ),
]


def _lifecycle_sites() -> list[Site]:
    """The lifecycle routes, once their functions exist."""
    folders = {p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()}
    sites: list[Site] = []

    def post(action: str) -> Callable[[World], Reply]:
        return lambda w: w.api.request("POST", f"/v1/api-keys/{w.victim_id}/{action}", token=w.session)

    def patch(w: World) -> Reply:
        return w.api.request(
            "PATCH", f"/v1/api-keys/{w.victim_id}", token=w.session, json_body={"name": "renamed"}
        )

    def delete(w: World) -> Reply:
        return w.api.request("DELETE", f"/v1/api-keys/{w.victim_id}", token=w.session)

    # Each change reads the key, then writes the change and its audit event in one transaction.
    changes: list[tuple[str, str, Callable[[World], Reply], Callable[[World], Reply] | None]] = [
        ("update", "update_key", patch, None),
        ("suspend", "suspend_key", post("suspend"), None),
        ("revoke", "revoke_key", post("revoke"), None),
        ("activate", "activate_key", post("activate"), post("suspend")),
        ("delete", "delete_key", delete, post("revoke")),
    ]
    for name, folder, call, prepare in changes:
        if folder in folders:
            sites.append(Site(f"{name} read", "GetItem", call, prepare=prepare))
            sites.append(Site(name, "TransactWriteItems", call, prepare=prepare))
    if "rotate_key" in folders:
        sites.append(Site("rotate read", "GetItem", post("rotate")))
        sites.append(Site("rotate", "TransactWriteItems", post("rotate")))
        sites.append(
            Site(
                "rotate with grace",
                "TransactWriteItems",
                lambda w: w.api.request(
                    "POST",
                    f"/v1/api-keys/{w.victim_id}/rotate",
                    token=w.session,
                    json_body={"grace_period_seconds": 3600},
                ),
            )
        )
    return sites


ALL_SITES = SITES + _lifecycle_sites()
CASES = [(site, fault) for site in ALL_SITES for fault in FAULTS] + [
    (site, "cancelled-throttled") for site in ALL_SITES if site.operation == "TransactWriteItems"
]


@pytest.mark.parametrize(("site", "fault"), CASES, ids=[f"{s.name}-{f}" for s, f in CASES])
def test_a_store_fault_is_503_logged_and_changes_nothing(make_api: Any, site: Site, fault: str) -> None:
    api = make_api(last_used_resolution_seconds=0)  # every API-key call writes last-used
    world = build_world(api)
    if site.prepare is not None:
        assert site.prepare(world).status == 200
    client, table = api.parts.store.client, api.parts.store.table
    before = snapshot(client, table)
    with (
        capture_logs() as lines,
        FaultInjector(client, site.operation, fault, after=site.after).active() as f,
    ):
        reply = site.call(world)
    after = snapshot(client, table)
    TOTALS["faults_injected"] += f.injected
    TOTALS["faulted_requests"] += 1
    if reply.status >= 500 and reply.status != 503:
        TOTALS["responses_5xx_other_than_503"] += 1
    assert f.injected >= 1, f"no {site.operation} call was made: {dict(f.calls)}"
    assert reply.status == site.expect, reply.text
    log = "\n".join(lines)
    if site.expect == 503:
        assert reply.header("Content-Type") == PROBLEM
        assert reply.header("Retry-After") == "1"
        assert reply.body["type"] == "urn:keysmith:problem:unavailable"
        assert reply.body["status"] == 503 and reply.body["instance"]
        assert "key store unavailable" in log, log
    else:
        assert "last-used write failed" in log, log
    # nothing half-done: no new item (key, audit event or idempotency record), no changed key
    changed = without_usage(after) != without_usage(before) if site.usage_may_change else after != before
    if site.expect == 503 and changed:
        TOTALS["half_written"] += 1
    if site.expect == 503:
        assert not changed, {"added": set(after) - set(before), "removed": set(before) - set(after)}
    else:
        assert without_usage(after) == without_usage(before)


def test_a_create_that_failed_can_be_retried_with_the_same_idempotency_key(make_api: Any) -> None:
    api = make_api()
    world = build_world(api)
    client = api.parts.store.client
    with FaultInjector(client, "TransactWriteItems", "timeout").active() as f:
        assert _create(world, **{"Idempotency-Key": "again"}).status == 503
    TOTALS["faults_injected"] += f.injected
    TOTALS["faulted_requests"] += 1
    first = _create(world, **{"Idempotency-Key": "again"})
    assert first.status == 201, first.text  # no record was left by the failed attempt
    assert _create(world, **{"Idempotency-Key": "again"}).status == 200


class Once(FaultInjector):
    """Injects its fault into the first matching attempt only (botocore's retry then succeeds)."""

    def _hook(self, request: Any, event_name: str, **kwargs: Any) -> Any:
        if self.injected >= 1:
            return None
        return super()._hook(request, event_name, **kwargs)


def test_a_fault_that_clears_within_the_retries_is_invisible(make_api: Any) -> None:
    """botocore retries (standard mode, 3 attempts): one throttled attempt still answers 201."""
    api = make_api()
    world = build_world(api)

    with Once(api.parts.store.client, "TransactWriteItems", "throttling").active() as f:
        reply = _create(world)
    TOTALS["faults_injected"] += f.injected
    assert reply.status == 201 and f.injected == 1
    assert events_by_key(api.parts.store.client, api.parts.store.table)[reply.body["id"]] == ["create"]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_change_whose_fault_clears_within_the_retries_has_exactly_one_event(
    make_api: Any, fault: str
) -> None:
    """Every kind of fault, once, on the change's transaction: the change and one event (a time-out
    or dropped connection may have landed the first attempt; the retry must not double it)."""
    api = make_api()
    world = build_world(api)

    with Once(api.parts.store.client, "TransactWriteItems", fault).active() as f:
        reply = world.api.request("POST", f"/v1/api-keys/{world.victim_id}/suspend", token=world.session)
    TOTALS["faults_injected"] += f.injected
    assert reply.status == 200 and f.injected == 1, reply.text
    actions = events_by_key(api.parts.store.client, api.parts.store.table)[world.victim_id]
    assert actions == ["create", "suspend"]
