"""The authorization matrix: two tenants, two users, an admin, user keys and service-account keys,
read-only and read-write (and one environment-restricted key), against every route (create, list,
get, patch, suspend, activate, revoke, rotate, delete), with the exact status of each cell.

The full matrix runs on moto (callers made once, a fresh target per cell); a slice runs on
DynamoDB Local. Its own module: the module-scoped moto world must not share a module with tests
that start and stop moto per test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws

from keysmith import wiring
from keysmith.store.client import client_config
from local.ddb import make_client
from local.sessions import SessionSigner
from tests.helpers import build_parts, test_settings
from tests.rules.test_authorization import MANAGES, READS, ROUTES, assert_status, call, listed, prepare
from tests.support.client import Client as Api
from tests.support.inprocess import create_table

# --- the matrix ------------------------------------------------------------------------------------

# 200+ / 200-: the listing answers 200 and does / does not include the target.
MATRIX = {
    "user": """
        caller        create list get patch suspend activate revoke rotate delete
        alice         201    200+ 200 200   200     200      200    201    204
        bob           201    200- 404 404   404     404      404    404    404
        admin         201    200+ 200 200   200     200      200    201    204
        globex_admin  201    200- 404 404   404     404      404    404    404
        globex_alice  201    200- 404 404   404     404      404    404    404
        alice_ro      403    200+ 200 403   403     403      403    403    403
        alice_rw      403    200+ 200 200   200     200      200    403    204
        sa_ro         403    200- 404 403   403     403      403    403    403
        sa_rw         201    200- 404 404   404     404      404    404    404
        sa_other_rw   201    200- 404 404   404     404      404    404    404
        sa_env_rw     201    200- 404 404   404     404      404    404    404
    """,
    "service_account": """
        caller        create list get patch suspend activate revoke rotate delete
        alice         403    200- 404 404   404     404      404    404    404
        bob           403    200- 404 404   404     404      404    404    404
        admin         201    200+ 200 200   200     200      200    201    204
        globex_admin  201    200- 404 404   404     404      404    404    404
        globex_alice  403    200- 404 404   404     404      404    404    404
        alice_ro      403    200- 404 403   403     403      403    403    403
        alice_rw      403    200- 404 404   404     404      404    403    404
        sa_ro         403    200+ 200 403   403     403      403    403    403
        sa_rw         201    200+ 200 200   200     200      200    201    204
        sa_other_rw   403    200- 404 404   404     404      404    404    404
        sa_env_rw     201    200- 404 404   404     404      404    404    404
    """,
}


def cells(targets: tuple[str, ...] = ("user", "service_account")) -> list[tuple[str, str, str, str]]:
    out = []
    for target in targets:
        lines = [line.split() for line in MATRIX[target].strip().splitlines()]
        header, rows = lines[0][1:], lines[1:]
        assert tuple(header) == ROUTES
        for row in rows:
            for route, expected in zip(header, row[1:], strict=True):
                out.append((target, row[0], route, expected))
    return out


@dataclass
class World:
    api: Api
    tokens: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(request: pytest.FixtureRequest, signer: SessionSigner) -> Iterator[World]:
    """Callers made once per backend; each cell makes its own fresh target."""
    name = f"keys-{uuid.uuid4().hex[:12]}"
    with pytest.MonkeyPatch.context() as env:
        for var, value in {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_METRICS_NAMESPACE": "KeysmithTests",
        }.items():
            env.setenv(var, value)
        if request.param == "moto":
            with mock_aws():
                client = boto3.client("dynamodb", region_name="us-east-1", config=client_config())
                create_table(client, name)
                yield build_world(client, name, signer)
        else:
            client = make_client(request.getfixturevalue("ddb_local"))
            create_table(client, name)
            try:
                yield build_world(client, name, signer)
            finally:
                client.delete_table(TableName=name)
        wiring.reset()


def build_world(client: Any, name: str, signer: SessionSigner) -> World:
    parts = build_parts(test_settings(name), client, signer)
    parts.install()
    api = Api(parts, signer)
    world = World(api)
    t = world.tokens
    t["alice"] = api.session("alice", "acme")
    t["bob"] = api.session("bob", "acme")
    t["admin"] = api.session("root", "acme", ["admin"])
    t["globex_admin"] = api.session("root", "globex", ["admin"])
    t["globex_alice"] = api.session("alice", "globex")
    t["alice_ro"] = api.created_key(t["alice"], scopes=READS)["key"]
    t["alice_rw"] = api.created_key(t["alice"], scopes=MANAGES)["key"]
    rw = MANAGES
    t["sa_ro"] = api.created_key(t["admin"], service_account_id="sa_ci", scopes=READS)["key"]
    t["sa_rw"] = api.created_key(t["admin"], service_account_id="sa_ci", scopes=rw)["key"]
    t["sa_other_rw"] = api.created_key(t["admin"], service_account_id="sa_other", scopes=rw)["key"]
    t["sa_env_rw"] = api.created_key(
        t["admin"], service_account_id="sa_ci", scopes=rw, environment_id="env_prod"
    )["key"]
    return world


def run_cell(world: World, target_kind: str, caller: str, route: str, expected: str) -> None:
    api, tokens = world.api, world.tokens
    api.parts.install()  # other tests in this process put their own collaborators in place
    admin = tokens["admin"]
    if target_kind == "user":
        target = api.created_key(tokens["alice"], name="target", scopes=["read"])["id"]
        create_body: dict[str, Any] = {}
    else:
        target = api.created_key(admin, name="target", service_account_id="sa_ci", scopes=["read"])["id"]
        create_body = {"service_account_id": "sa_ci"}
    prepare(api, admin, route, target)
    before = api.parts.store.get_raw(target)
    reply = call(api, tokens[caller], route, target, create_body)
    context = (target_kind, caller, route)
    assert_status(reply, int(expected[:3]), context)
    if expected.endswith("+"):
        assert target in listed(reply), context
    elif expected.endswith("-"):
        assert target not in listed(reply), context
    if reply.status >= 400 and route not in ("create", "list"):
        assert api.parts.store.get_raw(target) == before, context  # a refusal changes nothing


@pytest.mark.parametrize("world", ["moto"], indirect=True)
@pytest.mark.parametrize(("target_kind", "caller", "route", "expected"), cells())
def test_matrix(world: World, target_kind: str, caller: str, route: str, expected: str) -> None:
    run_cell(world, target_kind, caller, route, expected)


SLICE = [
    cell
    for cell in cells()
    if cell[1] in ("alice", "admin", "globex_admin", "alice_rw", "sa_ro", "sa_rw")
    and cell[2] in ("list", "patch", "revoke", "rotate", "delete")
]


@pytest.mark.ddblocal
@pytest.mark.parametrize("world", ["ddblocal"], indirect=True)
@pytest.mark.parametrize(("target_kind", "caller", "route", "expected"), SLICE)
def test_matrix_slice_on_dynamodb_local(
    world: World, target_kind: str, caller: str, route: str, expected: str
) -> None:
    run_cell(world, target_kind, caller, route, expected)
