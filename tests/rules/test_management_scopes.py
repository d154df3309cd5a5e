"""The management scopes: ``keys:read`` lets an API key list and get keys and list audit events,
``keys:write`` lets it create and change them (it does not imply ``keys:read``); the product scopes
(``read``, ``write`` by default) give no right on this API. Sessions hold every scope. A key may be given the
management scopes whatever the deploy's allowed scopes, within the caller's own (rule 5)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Api, Reply
from tests.support.targets import ROUTE_NAMES, call_route

ROUTES = (*ROUTE_NAMES, "audit-events")
READING = ("list", "get", "audit-events")
CHANGING = tuple(route for route in ROUTES if route not in READING)
SUCCESS = {"create": 201, "rotate": 201, "delete": 204}


def create(api: Api, token: str, **body: Any) -> dict[str, Any]:
    reply = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "k", **body})
    assert reply.status == 201, reply.text
    return dict(reply.body)


def call(api: Api, token: str, route: str, target: str) -> Reply:
    return call_route(api, token, route, target, {"service_account_id": "sa_ci"})


def target_for(api: Api, admin: str, route: str) -> str:
    target = create(api, admin, service_account_id="sa_ci")["id"]
    if route in ("activate", "delete"):
        assert api.request("POST", f"/v1/api-keys/{target}/suspend", token=admin).status == 200
    return target


@pytest.mark.parametrize("route", ROUTES)
def test_product_scopes_give_no_right_on_the_management_api(api: Api, route: str) -> None:
    admin = api.session("root", "acme", ["admin"])
    product = create(api, admin, service_account_id="sa_ci", scopes=["read", "write"])["key"]
    target = target_for(api, admin, route)
    before = api.parts.store.get_raw(target)
    reply = call(api, product, route, target)
    assert reply.status == 403, (route, reply.text)
    assert reply.body["type"] == "urn:keysmith:problem:forbidden"
    assert ("keys:read" if route in READING else "keys:write") in reply.body["detail"]
    assert api.parts.store.get_raw(target) == before


@pytest.mark.parametrize("route", ROUTES)
def test_keys_read_reads_and_keys_write_changes_neither_implies_the_other(api: Api, route: str) -> None:
    admin = api.session("root", "acme", ["admin"])
    reader = create(api, admin, service_account_id="sa_ci", scopes=["keys:read"])["key"]
    writer = create(api, admin, service_account_id="sa_ci", scopes=["read", "keys:write"])["key"]
    allowed, refused = (reader, writer) if route in READING else (writer, reader)
    assert call(api, refused, route, target_for(api, admin, route)).status == 403, route
    reply = call(api, allowed, route, target_for(api, admin, route))
    assert reply.status == SUCCESS.get(route, 200), (route, reply.text)


def test_sessions_hold_every_scope(api: Api) -> None:
    alice = api.session("alice", "acme")
    for route in ROUTES:
        target = create(api, alice)["id"]
        if route in ("activate", "delete"):
            api.request("POST", f"/v1/api-keys/{target}/suspend", token=alice)
        reply = call(api, alice, route, target) if route != "create" else create_own(api, alice)
        assert reply.status == SUCCESS.get(route, 200), (route, reply.text)


def create_own(api: Api, token: str) -> Reply:
    return api.request("POST", "/v1/api-keys", token=token, json_body={"name": "mine"})


def test_the_management_scopes_can_be_granted_whatever_the_allowed_scopes(make_api: Any) -> None:
    api = make_api(allowed_scopes=("billing",))
    admin = api.session("root", "acme", ["admin"])
    key = create(api, admin, service_account_id="sa_ci", scopes=["billing", "keys:read", "keys:write"])
    assert key["scopes"] == ["billing", "keys:read", "keys:write"]
    assert (
        api.request("POST", "/v1/api-keys", token=admin, json_body={"name": "x", "scopes": ["read"]}).status
        == 422
    )


def test_rule_5_holds_for_the_management_scopes(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    writer = create(api, admin, service_account_id="sa_ci", scopes=["keys:write"])["key"]
    wider = {"name": "x", "scopes": ["keys:write", "keys:read"]}
    denied = api.request("POST", "/v1/api-keys", token=writer, json_body=wider)
    assert denied.status == 403 and "keys:read" in denied.body["detail"], denied.text
    same = api.request(
        "POST", "/v1/api-keys", token=writer, json_body={"name": "x", "scopes": ["keys:write"]}
    )
    assert same.status == 201, same.text
