"""The authorization rules 1-6 of docs/api-reference.md, each on every route it concerns: create,
list, get, patch, suspend, activate, revoke, rotate and delete. API keys that act on keys hold the
management scopes (``keys:read``, ``keys:write``) next to the product scopes ``read`` and ``write``.

The rules run on moto and on DynamoDB Local; the full matrix is test_authorization_matrix.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from keysmith.domain import key_format as tokens
from tests.helpers import Reply
from tests.support.client import Client as Api
from tests.support.targets import ROUTE_NAMES, call_route

ROUTES = ROUTE_NAMES
CHANGES = ROUTES[3:]
SUCCESS = {"create": 201, "list": 200, "get": 200, "rotate": 201, "delete": 204}
# A caller key's scopes: the product scopes plus the management scopes that let it act on keys.
MANAGES = ["read", "write", "keys:read", "keys:write"]
READS = ["read", "keys:read"]


def prepare(api: Api, admin: str, route: str, target: str) -> None:
    """Put the target in a status where ``route`` is allowed (activate and delete need suspended)."""
    if route in ("activate", "delete"):
        assert api.request("POST", f"/v1/api-keys/{target}/suspend", token=admin).status == 200


def call(api: Api, token: str, route: str, target: str, create_body: dict[str, Any] | None = None) -> Reply:
    return call_route(api, token, route, target, create_body, list_query={"limit": "100"})


def listed(reply: Reply) -> set[str]:
    return {item["id"] for item in reply.body["items"]}


def assert_hidden(reply: Reply, route: str, target: str) -> None:
    """``reply`` of a caller who may not see ``target``: a listing without it, else 404."""
    if route == "list":
        assert_status(reply, 200, route)
        assert target not in listed(reply)
    else:
        assert_status(reply, 404, route)


def assert_status(reply: Reply, status: int, context: object) -> None:
    assert reply.status == status, (context, reply.text)
    if status >= 400:
        assert reply.header("Content-Type") == "application/problem+json"
        slug = {403: "forbidden", 404: "not-found"}[status]
        assert reply.body["type"] == f"urn:keysmith:problem:{slug}"


# --- the rules, one test each, on every route and on both backends -------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_rule_1_a_session_creates_sees_and_changes_its_own_keys(api: Api, route: str) -> None:
    alice, admin = api.session("alice", "acme"), api.session("root", "acme", ["admin"])
    mine = api.created_key(alice)["id"]
    prepare(api, admin, route, mine)
    reply = call(api, alice, route, mine)
    assert_status(reply, SUCCESS.get(route, 200), route)
    if route == "list":
        assert mine in listed(reply)


@pytest.mark.parametrize("route", ROUTES[1:])
def test_rule_1_a_session_neither_sees_nor_changes_another_users_keys(api: Api, route: str) -> None:
    alice, bob = api.session("alice", "acme"), api.session("bob", "acme")
    admin = api.session("root", "acme", ["admin"])
    alices = api.created_key(alice)["id"]
    prepare(api, admin, route, alices)
    before = api.parts.store.get_raw(alices)
    assert_hidden(call(api, bob, route, alices), route, alices)
    assert api.parts.store.get_raw(alices) == before


@pytest.mark.parametrize("owner", ["user", "service_account"])
@pytest.mark.parametrize("route", ROUTES)
def test_rule_2_an_admin_sees_and_changes_every_key_of_its_tenant(api: Api, route: str, owner: str) -> None:
    alice, admin = api.session("alice", "acme"), api.session("root", "acme", ["admin"])
    target = (
        api.created_key(alice)["id"]
        if owner == "user"
        else api.created_key(admin, service_account_id="sa_ci")["id"]
    )
    prepare(api, admin, route, target)
    body = {"service_account_id": "sa_new"} if owner == "service_account" else None
    reply = call(api, admin, route, target, body)
    assert_status(reply, SUCCESS.get(route, 200), (route, owner))
    if route == "list":
        assert target in listed(reply)
    if route == "create" and owner == "service_account":
        assert reply.body["owner"] == {"type": "service_account", "id": "sa_new"}
    if route == "rotate":
        # the successor keeps the owner; the admin is recorded as its creator
        assert reply.body["owner"]["type"] == owner
        assert reply.body["created_by"] == {"type": "user", "id": "root"}


@pytest.mark.parametrize("scopes", [READS, MANAGES])
def test_rule_3_a_user_key_cannot_mint_keys_for_its_person_not_even_by_rotation(
    api: Api, scopes: list[str]
) -> None:
    alice = api.session("alice", "acme")
    pat = api.created_key(alice, scopes=scopes)["key"]
    target = api.created_key(alice)["id"]
    assert_status(call(api, pat, "create", target), 403, "create")
    assert_status(call(api, pat, "rotate", target), 403, "rotate")
    own_id = api.created_key(alice)["id"]
    assert_status(call(api, pat, "rotate", own_id), 403, "rotate own")
    assert len(listed(call(api, alice, "list", target))) == 3  # nothing was minted


@pytest.mark.parametrize("route", CHANGES)
def test_rule_3_a_user_key_with_keys_write_still_changes_its_persons_keys(api: Api, route: str) -> None:
    alice, admin = api.session("alice", "acme"), api.session("root", "acme", ["admin"])
    pat = api.created_key(alice, scopes=MANAGES)["key"]
    target = api.created_key(alice)["id"]
    prepare(api, admin, route, target)
    expected = 403 if route == "rotate" else SUCCESS.get(route, 200)
    assert_status(call(api, pat, route, target), expected, route)


def sa_ci_writer_calls(api: Api, route: str, account: str) -> tuple[Reply, str]:
    """A key of the service account sa_ci with the management scopes calls ``route`` on a key of
    ``account`` (made by an admin; a create asks for a key of ``account``): the reply and the key."""
    admin = api.session("root", "acme", ["admin"])
    writer = api.created_key(admin, service_account_id="sa_ci", scopes=MANAGES)["key"]
    target = api.created_key(admin, service_account_id=account)["id"]
    prepare(api, admin, route, target)
    return call(api, writer, route, target, {"service_account_id": account}), target


@pytest.mark.parametrize("route", ROUTES)
def test_rule_4_a_service_account_key_with_keys_write_acts_on_its_own_account(api: Api, route: str) -> None:
    reply, _ = sa_ci_writer_calls(api, route, "sa_ci")
    assert_status(reply, SUCCESS.get(route, 200), route)
    if route in ("create", "rotate"):
        assert reply.body["owner"] == {"type": "service_account", "id": "sa_ci"}


@pytest.mark.parametrize("route", ROUTES)
def test_rule_4_a_service_account_key_cannot_touch_another_account(api: Api, route: str) -> None:
    reply, other = sa_ci_writer_calls(api, route, "sa_other")
    if route == "create":
        assert_status(reply, 403, route)
    else:
        assert_hidden(reply, route, other)


@pytest.mark.parametrize("route", ["create", "patch", "rotate"])
def test_rule_5_scopes_must_be_within_the_callers(api: Api, route: str) -> None:
    admin = api.session("root", "acme", ["admin"])
    writer = api.created_key(admin, service_account_id="sa_ci", scopes=["write", "keys:write"])["key"]
    wide = api.created_key(admin, service_account_id="sa_ci", scopes=["read", "write"])["id"]
    narrow = api.created_key(admin, service_account_id="sa_ci", scopes=["write"])["id"]
    wider = {"scopes": ["read", "write"]}
    if route == "create":
        denied: Reply = api.request("POST", "/v1/api-keys", token=writer, json_body={"name": "x", **wider})
        allowed: Reply = api.request(
            "POST", "/v1/api-keys", token=writer, json_body={"name": "x", "scopes": ["write"]}
        )
    elif route == "patch":
        denied = api.request("PATCH", f"/v1/api-keys/{narrow}", token=writer, json_body=wider)
        allowed = api.request("PATCH", f"/v1/api-keys/{narrow}", token=writer, json_body={"scopes": []})
    else:
        denied = call(api, writer, "rotate", wide)
        allowed = call(api, writer, "rotate", narrow)
    assert_status(denied, 403, route)
    assert "read" in denied.body["detail"]
    assert allowed.status in (200, 201), allowed.text
    # sessions hold every scope
    fresh = api.created_key(admin, service_account_id="sa_ci", scopes=["write"])["id"]
    assert api.request("PATCH", f"/v1/api-keys/{fresh}", token=admin, json_body=wider).status == 200


@pytest.mark.parametrize("route", ROUTES[1:])
def test_rule_6_other_tenants_keys_are_404_even_for_an_admin(api: Api, route: str) -> None:
    acme_admin = api.session("root", "acme", ["admin"])
    acme_alice = api.session("alice", "acme")
    key_of_alice = api.created_key(acme_alice)["id"]
    prepare(api, acme_admin, route, key_of_alice)
    before = api.parts.store.get_raw(key_of_alice)
    for intruder in (api.session("root", "globex", ["admin"]), api.session("alice", "globex")):
        assert_hidden(call(api, intruder, route, key_of_alice), route, key_of_alice)
    assert api.parts.store.get_raw(key_of_alice) == before


@pytest.mark.parametrize("route", ROUTES[1:])
def test_an_environment_restricted_key_acts_only_inside_its_environment(api: Api, route: str) -> None:
    admin = api.session("root", "acme", ["admin"])
    scoped = api.created_key(admin, service_account_id="sa_ci", scopes=MANAGES, environment_id="env_prod")[
        "key"
    ]
    inside = api.created_key(admin, service_account_id="sa_ci", environment_id="env_prod")["id"]
    outside = api.created_key(admin, service_account_id="sa_ci")["id"]
    prepare(api, admin, route, inside)
    prepare(api, admin, route, outside)
    reply = call(api, scoped, route, outside)
    if route == "list":
        assert_status(reply, 200, route)
        assert outside not in listed(reply) and inside in listed(reply)
    else:
        assert_status(reply, 404, route)
        assert_status(call(api, scoped, route, inside), SUCCESS.get(route, 200), route)


PROBLEM = "application/problem+json"


def test_a_key_authenticates_as_its_owner(api: Api) -> None:
    session = api.session("u_1", "acme")
    key = api.created_key(session, scopes=READS)["key"]
    mine = api.created_key(session, name="other")
    reply = api.request("GET", f"/v1/api-keys/{mine['id']}", token=key)
    assert reply.status == 200
    listing = api.request("GET", "/v1/api-keys", token=key)
    assert {item["id"] for item in listing.body["items"]} == {mine["id"], tokens.key_id(tokens.digest(key))}


def test_rule_1_a_user_sees_only_their_own_keys(api: Api) -> None:
    alice, bob = api.session("alice", "acme"), api.session("bob", "acme")
    alices = api.created_key(alice)
    assert api.request("GET", f"/v1/api-keys/{alices['id']}", token=bob).status == 404
    assert api.request("GET", "/v1/api-keys", token=bob).body["items"] == []


def test_rule_2_an_admin_sees_the_tenant_and_creates_service_account_keys(api: Api) -> None:
    alice, admin = api.session("alice", "acme"), api.session("root", "acme", ["admin"])
    alices = api.created_key(alice)
    service = api.created_key(admin, service_account_id="sa_billing", scopes=MANAGES)
    assert service["owner"] == {"type": "service_account", "id": "sa_billing"}
    assert service["created_by"] == {"type": "user", "id": "root"}
    assert api.request("GET", f"/v1/api-keys/{alices['id']}", token=admin).status == 200
    listed = {item["id"] for item in api.request("GET", "/v1/api-keys", token=admin).body["items"]}
    assert listed == {alices["id"], service["id"]}
    by_owner = api.request(
        "GET", "/v1/api-keys", token=admin, query={"owner_type": "service_account", "owner_id": "sa_billing"}
    )
    assert [item["id"] for item in by_owner.body["items"]] == [service["id"]]


def test_rule_2_a_non_admin_cannot_create_service_account_keys(api: Api) -> None:
    reply = api.request(
        "POST",
        "/v1/api-keys",
        token=api.session("alice", "acme"),
        json_body={"name": "x", "service_account_id": "sa"},
    )
    assert reply.status == 403
    assert reply.body["type"] == "urn:keysmith:problem:forbidden"


def test_rule_3_a_user_key_cannot_mint_keys(api: Api) -> None:
    key = api.created_key(api.session("alice", "acme"), scopes=MANAGES)["key"]
    reply = api.request("POST", "/v1/api-keys", token=key, json_body={"name": "minted"})
    assert reply.status == 403
    assert reply.header("Content-Type") == PROBLEM


def test_rule_4_a_service_account_key_with_write_creates_for_itself(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    writer = api.created_key(admin, service_account_id="sa_ci", scopes=MANAGES)["key"]
    reader = api.created_key(admin, service_account_id="sa_ci", scopes=READS)["key"]
    made = api.created_key(writer, name="child")
    assert made["owner"] == {"type": "service_account", "id": "sa_ci"}
    assert made["created_by"]["type"] == "api_key"
    assert made["created_by"]["id"] == tokens.key_id(tokens.digest(writer))
    other = api.request(
        "POST", "/v1/api-keys", token=writer, json_body={"name": "x", "service_account_id": "sa_other"}
    )
    assert other.status == 403
    assert api.request("POST", "/v1/api-keys", token=reader, json_body={"name": "x"}).status == 403


def test_rule_5_scopes_must_be_a_subset_of_the_callers(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    writer = api.created_key(admin, service_account_id="sa_ci", scopes=["write", "keys:write"])["key"]
    reply = api.request(
        "POST", "/v1/api-keys", token=writer, json_body={"name": "x", "scopes": ["read", "write"]}
    )
    assert reply.status == 403
    assert "read" in reply.body["detail"]
    ok = api.request("POST", "/v1/api-keys", token=writer, json_body={"name": "x", "scopes": ["write"]})
    assert ok.status == 201


def test_rule_6_other_tenants_keys_are_404_never_403(api: Api) -> None:
    acme_admin, globex_admin = (
        api.session("root", "acme", ["admin"]),
        api.session("root", "globex", ["admin"]),
    )
    acme_key = api.created_key(acme_admin)
    reply = api.request("GET", f"/v1/api-keys/{acme_key['id']}", token=globex_admin)
    assert reply.status == 404
    assert reply.body["type"] == "urn:keysmith:problem:not-found"
    assert api.request("GET", "/v1/api-keys", token=globex_admin).body["items"] == []
