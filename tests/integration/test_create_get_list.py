"""Create, get and list through the functions, for every kind of caller and across tenants."""

from __future__ import annotations

import re
import uuid

from keysmith.domain import key_format as tokens
from tests.helpers import Api

PROBLEM = "application/problem+json"


def create(api: Api, token: str, **body: object) -> dict:
    reply = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "ci deploy", **body})
    assert reply.status == 201, reply.text
    return reply.body


def test_create_returns_the_plaintext_once_with_its_metadata(api: Api) -> None:
    token = api.session("u_1", "acme")
    reply = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "  CI deploy  "})
    assert reply.status == 201
    assert reply.header("Cache-Control") == "no-store"
    assert reply.header("X-Request-Id")
    created = reply.body
    key = created["key"]
    assert tokens.is_well_formed(key, "ks")
    assert created["id"] == tokens.key_id(tokens.digest(key))
    assert created["name"] == "CI deploy"
    assert created["prefix"] == key[:7] and created["last_four"] == key[-4:]
    assert created["scopes"] == ["read"]
    assert created["owner"] == {"type": "user", "id": "u_1"}
    assert created["created_by"] == {"type": "user", "id": "u_1"}
    assert created["tenant_id"] == "acme"
    assert created["status"] == "active"
    assert created["available_actions"] == {
        "suspend": True,
        "activate": False,
        "revoke": True,
        "rotate": True,
        "delete": False,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created["created_at"])
    assert created["expires_at"] is None
    fetched = api.request("GET", f"/v1/api-keys/{created['id']}", token=token)
    assert fetched.status == 200
    assert "key" not in fetched.body
    assert {k: v for k, v in created.items() if k != "key"} == fetched.body
    assert key not in fetched.text


def test_list_is_newest_first_and_pages_with_a_cursor(api: Api) -> None:
    token = api.session("u_1", "acme")
    ids = [create(api, token, name=f"k{i}")["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        reply = api.request("GET", "/v1/api-keys", token=token, query=query)
        assert reply.status == 200, reply.text
        seen += [item["id"] for item in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_a_key_authenticates_as_its_owner(api: Api) -> None:
    session = api.session("u_1", "acme")
    key = create(api, session, scopes=["read"])["key"]
    mine = create(api, session, name="other")
    reply = api.request("GET", f"/v1/api-keys/{mine['id']}", token=key)
    assert reply.status == 200
    listing = api.request("GET", "/v1/api-keys", token=key)
    assert {item["id"] for item in listing.body["items"]} == {mine["id"], tokens.key_id(tokens.digest(key))}


def test_rule_1_a_user_sees_only_their_own_keys(api: Api) -> None:
    alice, bob = api.session("alice", "acme"), api.session("bob", "acme")
    alices = create(api, alice)
    assert api.request("GET", f"/v1/api-keys/{alices['id']}", token=bob).status == 404
    assert api.request("GET", "/v1/api-keys", token=bob).body["items"] == []


def test_rule_2_an_admin_sees_the_tenant_and_creates_service_account_keys(api: Api) -> None:
    alice, admin = api.session("alice", "acme"), api.session("root", "acme", ["admin"])
    alices = create(api, alice)
    service = create(api, admin, service_account_id="sa_billing", scopes=["read", "write"])
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
    key = create(api, api.session("alice", "acme"), scopes=["read", "write"])["key"]
    reply = api.request("POST", "/v1/api-keys", token=key, json_body={"name": "minted"})
    assert reply.status == 403
    assert reply.header("Content-Type") == PROBLEM


def test_rule_4_a_service_account_key_with_write_creates_for_itself(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    writer = create(api, admin, service_account_id="sa_ci", scopes=["read", "write"])["key"]
    reader = create(api, admin, service_account_id="sa_ci", scopes=["read"])["key"]
    made = create(api, writer, name="child")
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
    writer = create(api, admin, service_account_id="sa_ci", scopes=["write"])["key"]
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
    acme_key = create(api, acme_admin)
    reply = api.request("GET", f"/v1/api-keys/{acme_key['id']}", token=globex_admin)
    assert reply.status == 404
    assert reply.body["type"] == "urn:keysmith:problem:not-found"
    assert api.request("GET", "/v1/api-keys", token=globex_admin).body["items"] == []


def test_a_cursor_from_another_listing_is_refused(api: Api) -> None:
    alice, admin = api.session("alice", "acme"), api.session("root", "acme", ["admin"])
    for i in range(3):
        create(api, alice, name=f"k{i}")
    cursor = api.request("GET", "/v1/api-keys", token=admin, query={"limit": "1"}).body["next_cursor"]
    assert cursor
    reply = api.request("GET", "/v1/api-keys", token=alice, query={"cursor": cursor})
    assert reply.status == 400
    assert reply.body["errors"][0]["pointer"] == "/cursor"


def test_unknown_and_malformed_ids_are_404(api: Api) -> None:
    token = api.session("alice", "acme")
    for key_id in (str(uuid.uuid4()), "not-a-uuid", "..%2F..%2Fetc"):
        reply = api.request("GET", f"/v1/api-keys/{key_id}", token=token)
        assert reply.status == 404, key_id


def test_a_create_whose_answer_was_lost_and_retried_still_succeeds(api: Api) -> None:
    """DynamoDB applied the PutItem but its answer was lost; botocore's retry meets its own item."""
    client = api.parts.store.client
    original = client.put_item

    def applied_then_retried(**kwargs: object) -> object:
        original(**kwargs)  # the first attempt lands, its answer is lost...
        return original(**kwargs)  # ...and the retry finds the item it wrote

    client.put_item = applied_then_retried  # type: ignore[method-assign]
    try:
        reply = api.request("POST", "/v1/api-keys", token=api.session("u_1", "acme"), json_body={"name": "k"})
    finally:
        del client.put_item
    assert reply.status == 201, reply.text
    fetched = api.request("GET", f"/v1/api-keys/{reply.body['id']}", token=api.session("u_1", "acme"))
    assert fetched.status == 200
