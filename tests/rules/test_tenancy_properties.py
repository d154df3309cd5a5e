"""Tenancy, property-based: over random tenants, owners, roles, scopes, environments and routes, no
principal ever reads or changes a key it may not.

The expected visibility is modelled here from the rules in keysmith.domain.policy's docstring (the
rules 1-6 of docs/api-reference.md), independently of ``policy.visible``:
- another tenant's key: never (404, never 403 or 409, which would tell it exists);
- an environment-restricted API key: only keys of its environment;
- an admin session: every key of its tenant;
- anyone else: only keys whose owner is who they act as (a session's user, a key's owner);
- an API key needs ``read`` to list and get, ``write`` to create and change.
Example counts: ``TENANCY_EXAMPLES`` (default 60; ``make fuzz`` runs more).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keysmith import wiring
from keysmith.domain.create import KeyCreator, NewKey
from keysmith.domain.principals import SESSION, Principal
from tests.helpers import ROOT, Reply
from tests.support.client import Client as Api
from tests.support.hardening import USAGE_ATTRIBUTES, record_figures, scale, snapshot

EXAMPLES = int(os.environ.get("TENANCY_EXAMPLES") or scale(60, 600))
FOLDERS = {p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()}
CHANGES = [a for a in ("suspend", "activate", "revoke", "rotate") if f"{a}_key" in FOLDERS]
CHANGES += ["patch"] if "update_key" in FOLDERS else []
CHANGES += ["delete"] if "delete_key" in FOLDERS else []
TOTALS = {"examples": 0, "requests": 0, "violations": 0, "denied": 0, "allowed": 0}
_example = count()


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Any:
    yield
    record_figures("tenancy", **TOTALS)


OWNERS = [("user", "u1"), ("user", "u2"), ("service_account", "sa1"), ("service_account", "sa2")]
# product scopes (no right on the management API) with and without the management scopes
SCOPES = [
    ("read", "keys:read"),
    ("write", "keys:write"),
    ("read", "write", "keys:read", "keys:write"),
    ("read", "write"),
]
ENVS = [None, "e1", "e2"]


@dataclass(frozen=True)
class KeySpec:
    tenant: int  # 0 or 1
    owner: tuple[str, str]
    scopes: tuple[str, ...]
    env: str | None
    format: str = "opaque"  # or "jwt": a key caller presents either kind


@dataclass(frozen=True)
class Caller:
    kind: str  # "session" or "key"
    tenant: int
    user: str
    admin: bool
    key_index: int  # for kind == "key": which key is the credential


@dataclass(frozen=True)
class Op:
    caller: Caller
    route: str  # get, list, create, or a change
    target: int
    sa: str | None = None
    scopes: tuple[str, ...] = ("read",)
    env: str | None = None


key_specs = st.builds(
    KeySpec,
    st.integers(0, 1),
    st.sampled_from(OWNERS),
    st.sampled_from(SCOPES),
    st.sampled_from(ENVS),
    st.sampled_from(["opaque", "jwt"]),
)
callers = st.builds(
    Caller,
    st.sampled_from(["session", "key"]),
    st.integers(0, 1),
    st.sampled_from(["u1", "u2"]),
    st.booleans(),
    st.integers(0, 5),
)
ops = st.builds(
    Op,
    callers,
    st.sampled_from(["get", "list", "create", *CHANGES]),
    st.integers(0, 5),
    st.sampled_from([None, "sa1", "sa2"]),
    st.sampled_from(SCOPES),
    st.sampled_from([None, "e1"]),
)


# --- the model (independent of keysmith.domain.policy) -----------------------------------------


@dataclass(frozen=True)
class Actor:
    tenant: str
    owner: tuple[str, str]
    admin: bool
    scopes: frozenset[str] | None  # None: a session holds every scope
    env: str | None
    is_key: bool


def may_see(actor: Actor, item: dict[str, Any]) -> bool:
    if item["tenant_id"]["S"] != actor.tenant:
        return False
    env = item.get("environment_id", {}).get("S")
    if actor.env is not None and env != actor.env:
        return False
    if actor.admin:
        return True
    return (item["owner_type"]["S"], item["owner_id"]["S"]) == actor.owner


def holds(actor: Actor, scope: str) -> bool:
    return actor.scopes is None or scope in actor.scopes


def may_create(actor: Actor, op: Op) -> bool:
    if actor.is_key:
        if actor.owner[0] == "user" or not holds(actor, "keys:write"):
            return False
        if op.sa not in (None, actor.owner[1]):
            return False
        if op.env not in (None, actor.env) and actor.env is not None:
            return False
    elif op.sa is not None and not actor.admin:
        return False
    return actor.scopes is None or set(op.scopes) <= actor.scopes


def live(item: dict[str, Any]) -> bool:
    return item["status"]["S"] == "active" and "expires_at" not in item


# --- the property --------------------------------------------------------------------------------


@pytest.mark.parametrize("dynamodb", ["moto"], indirect=True)
def test_no_principal_reads_or_changes_a_key_it_may_not(api: Api) -> None:
    client, table = api.parts.store.client, api.parts.store.table
    service = KeyCreator(api.parts.store, api.parts.settings, wiring.now, wiring.jwt_signer)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(specs=st.lists(key_specs, min_size=2, max_size=6), steps=st.lists(ops, min_size=1, max_size=6))
    def example(specs: list[KeySpec], steps: list[Op]) -> None:
        n = next(_example)
        tenants = [f"x{n}a", f"x{n}b"]
        TOTALS["examples"] += 1
        ids, plaintexts = [], []
        for spec in specs:
            owner_type, owner_id = spec.owner
            maker = Principal(SESSION, tenants[spec.tenant], "user", owner_id, roles=frozenset({"admin"}))
            request = NewKey(
                name="k",
                scopes=spec.scopes,
                service_account_id=owner_id if owner_type == "service_account" else None,
                environment_id=spec.env,
                format=spec.format,
            )
            record, plaintext = service.create(maker, request)
            ids.append(record.id)
            plaintexts.append(plaintext)
        try:
            for op in steps:
                run(api, op, tenants, ids, plaintexts, client, table)
        finally:
            for item_id in list(snapshot_ids(client, table, tenants)):
                client.delete_item(TableName=table, Key={"id": {"S": item_id}})

    example()


def snapshot_ids(client: Any, table: str, tenants: list[str]) -> list[str]:
    return [i for i, item in snapshot(client, table).items() if item.get("tenant_id", {}).get("S") in tenants]


def ours(client: Any, table: str, tenants: list[str]) -> dict[str, dict[str, Any]]:
    """This example's keys, without last-used attributes (a key caller's own use may write them)."""
    return {
        i: {k: v for k, v in item.items() if k not in USAGE_ATTRIBUTES}
        for i, item in snapshot(client, table).items()
        if item.get("tenant_id", {}).get("S") in tenants
    }


def run(
    api: Api, op: Op, tenants: list[str], ids: list[str], plaintexts: list[str], client: Any, table: str
) -> None:
    before = ours(client, table, tenants)
    caller = op.caller
    if caller.kind == "key":
        index = caller.key_index % len(ids)
        cred_item = before.get(ids[index])
        token = plaintexts[index]
        if cred_item is None or not live(cred_item):
            reply = call(api, op, token, ids[op.target % len(ids)])
            TOTALS["requests"] += 1
            check(reply.status == 401, op, reply, "a dead key authenticated")
            check(ours(client, table, tenants) == before, op, reply, "a dead key changed something")
            return
        actor = Actor(
            tenant=cred_item["tenant_id"]["S"],
            owner=(cred_item["owner_type"]["S"], cred_item["owner_id"]["S"]),
            admin=False,
            scopes=frozenset(v["S"] for v in cred_item["scopes"]["L"]),
            env=cred_item.get("environment_id", {}).get("S"),
            is_key=True,
        )
    else:
        tenant = tenants[caller.tenant]
        token = api.session(caller.user, tenant, ["admin"] if caller.admin else [])
        actor = Actor(tenant, ("user", caller.user), caller.admin, None, None, is_key=False)
    target_id = ids[op.target % len(ids)]
    target = before.get(target_id)
    reply = call(api, op, token, target_id)
    TOTALS["requests"] += 1
    after = ours(client, table, tenants)
    if op.route == "list":
        if not holds(actor, "keys:read"):
            check(reply.status == 403, op, reply, "listed without keys:read")
            return
        expected = {i for i, item in before.items() if may_see(actor, item)}
        check(reply.status == 200, op, reply, "list failed")
        got = {item["id"] for item in reply.body["items"]}
        check(got == expected, op, reply, f"list showed {got - expected} and hid {expected - got}")
        TOTALS["allowed"] += 1
        return
    if op.route == "create":
        allowed = may_create(actor, op)
        added = set(after) - set(before)
        if not allowed:
            TOTALS["denied"] += 1
            check(reply.status == 403, op, reply, "a forbidden create was not 403")
            check(not added, op, reply, "a forbidden create stored a key")
            return
        TOTALS["allowed"] += 1
        check(reply.status == 201, op, reply, "an allowed create failed")
        (new_id,) = added
        owner = (after[new_id]["owner_type"]["S"], after[new_id]["owner_id"]["S"])
        expected_owner = (
            ("service_account", op.sa or actor.owner[1]) if (op.sa or actor.is_key) else actor.owner
        )
        check(owner == expected_owner, op, reply, f"created for {owner}, expected {expected_owner}")
        check(after[new_id]["tenant_id"]["S"] == actor.tenant, op, reply, "created in another tenant")
        return
    visible = target is not None and may_see(actor, target)
    scope = "keys:read" if op.route == "get" else "keys:write"
    # rule 3: a rotation mints a key for the owner, which a person's API key may never do
    entitled = holds(actor, scope) and not (
        op.route == "rotate" and actor.is_key and actor.owner[0] == "user"
    )
    if not visible or not entitled:
        TOTALS["denied"] += 1
        check(reply.status in (403, 404), op, reply, "reached a key it may not")
        if entitled:
            check(reply.status == 404, op, reply, "an invisible key was not 404")
        check(
            "tenant_id" not in reply.text and "owner" not in reply.text, op, reply, "the answer shows the key"
        )
        check(after == before, op, reply, "a denied request changed the table")
        return
    TOTALS["allowed"] += 1
    if op.route == "get":
        check(reply.status == 200 and reply.body["id"] == target_id, op, reply, "a visible key was not read")
        return
    statuses = {200, 201, 204, 409} | ({403} if op.route in ("rotate", "patch") and actor.is_key else set())
    check(reply.status in statuses, op, reply, "an allowed change failed")
    # only the target (and, for a rotation, its new successor in the same tenant) may change
    changed = {i for i in set(before) | set(after) if before.get(i) != after.get(i)}
    check(changed <= {target_id} | (set(after) - set(before)), op, reply, f"changed others: {changed}")


def call(api: Api, op: Op, token: str, target_id: str) -> Reply:
    path = f"/v1/api-keys/{target_id}"
    if op.route == "get":
        return api.request("GET", path, token=token)
    if op.route == "list":
        return api.request("GET", "/v1/api-keys", token=token, query={"limit": "100"})
    if op.route == "create":
        body: dict[str, Any] = {"name": "made", "scopes": list(op.scopes)}
        if op.sa is not None:
            body["service_account_id"] = op.sa
        if op.env is not None:
            body["environment_id"] = op.env
        return api.request("POST", "/v1/api-keys", token=token, json_body=body)
    if op.route == "patch":
        return api.request("PATCH", path, token=token, json_body={"name": "renamed"})
    if op.route == "delete":
        return api.request("DELETE", path, token=token)
    return api.request("POST", f"{path}/{op.route}", token=token)


def check(condition: bool, op: Op, reply: Reply, what: str) -> None:
    if not condition:
        TOTALS["violations"] += 1
        raise AssertionError(f"{what}: {op} -> {reply.status} {reply.text[:300]}")
