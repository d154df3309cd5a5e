"""The request budget (docs/api-reference.md), counted at the DynamoDB client on moto and on
DynamoDB Local: get 1 read, an unfiltered list page 1 query (a filtered one at most
``MAX_QUERIES_PER_PAGE``), an audit-events page 1 query, create 1 transaction (the key and its
audit event), each state change and delete 1 GetItem + 1 TransactWriteItems (the change and its
audit event), rotate the same; a refused change only its read. A caller that authenticates with an
API key (opaque or JWT) adds 1 GetItem, and 1 last-used UpdateItem at most once per key per window.
A verification is 1 request: a GetItem for a key without limits (and its last-used write at most
once per window), one conditional UpdateItem for a key with a rate limit or credits (a GetItem
first when this process has not met the key yet)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from keysmith.domain import key_format as tokens
from keysmith.store.listing import MAX_QUERIES_PER_PAGE, query_limits
from local.dynamo_calls import counting
from tests.helpers import Reply, count_requests
from tests.support.client import Client as Api
from tests.support.client import authorize, whoami
from tests.support.verification import admin_key, verify

# A change: the read it is judged on, then one transaction (the change and its audit event).
CHANGE = {"GetItem": 1, "TransactWriteItems": 1}


def measured(api: Api, call: Callable[[], Reply], expected_status: int) -> Counter[str]:
    with count_requests(api.parts.store.client) as counts:
        reply = call()
    assert reply.status == expected_status, reply.text
    return counts


def budget_cases(api: Api, token: str) -> list[tuple[str, Callable[[], Reply], int, dict[str, int]]]:
    """(operation, call, status, requests) for every route, each on a key in the right status."""
    active = api.created_key(token)["id"]
    suspended = api.created_key(token)["id"]
    api.request("POST", f"/v1/api-keys/{suspended}/suspend", token=token)
    revoked = api.created_key(token)["id"]
    api.request("POST", f"/v1/api-keys/{revoked}/revoke", token=token)
    rotatable = api.created_key(token)["id"]
    patchable = api.created_key(token)["id"]
    still_active = api.created_key(token)["id"]
    deletable = api.created_key(token)["id"]
    api.request("POST", f"/v1/api-keys/{deletable}/suspend", token=token)
    post = api.request

    def action(key_id: str, name: str) -> Callable[[], Reply]:
        return lambda: post("POST", f"/v1/api-keys/{key_id}/{name}", token=token)

    return [
        (
            "create",
            lambda: post("POST", "/v1/api-keys", token=token, json_body={"name": "n"}),
            201,
            {"TransactWriteItems": 1},
        ),
        ("get", lambda: post("GET", f"/v1/api-keys/{active}", token=token), 200, {"GetItem": 1}),
        ("list", lambda: post("GET", "/v1/api-keys", token=token), 200, {"Query": 1}),
        (
            "list filtered",
            lambda: post("GET", "/v1/api-keys", token=token, query={"status": "expired", "limit": "5"}),
            200,
            {"Query": 2},  # nothing matches: a second, larger query reads to the end of the listing
        ),
        (
            "patch",
            lambda: post("PATCH", f"/v1/api-keys/{patchable}", token=token, json_body={"name": "x"}),
            200,
            CHANGE,
        ),
        ("suspend", action(active, "suspend"), 200, CHANGE),
        ("activate", action(suspended, "activate"), 200, CHANGE),
        ("revoke", action(suspended, "revoke"), 200, CHANGE),
        ("refused revoke (409)", action(revoked, "revoke"), 409, {"GetItem": 1}),
        (
            "refused suspend of an unknown key (404)",
            action(revoked[:-4] + "0000", "suspend"),
            404,
            {"GetItem": 1},
        ),
        ("rotate", action(rotatable, "rotate"), 201, CHANGE),
        ("refused rotate (409)", action(revoked, "rotate"), 409, {"GetItem": 1}),
        ("delete", lambda: post("DELETE", f"/v1/api-keys/{deletable}", token=token), 204, CHANGE),
        (
            "refused delete (409)",
            lambda: post("DELETE", f"/v1/api-keys/{still_active}", token=token),
            409,
            {"GetItem": 1},
        ),
        ("audit events", lambda: post("GET", "/v1/audit-events", token=token), 200, {"Query": 1}),
    ]


def test_each_operation_stays_within_its_budget_for_a_session(api: Api) -> None:
    token = api.session("alice", "acme")
    for name, call, status, expected in budget_cases(api, token):
        assert dict(measured(api, call, status)) == expected, name


def test_a_malformed_id_costs_no_request(api: Api) -> None:
    token = api.session("alice", "acme")
    for method, path in (
        ("POST", "/v1/api-keys/not-a-key/suspend"),
        ("POST", "/v1/api-keys/not-a-key/rotate"),
        ("DELETE", "/v1/api-keys/not-a-key"),
    ):
        assert measured(api, lambda m=method, p=path: api.request(m, p, token=token), 404) == Counter()  # type: ignore[misc]


@pytest.mark.parametrize("key_format", ["opaque", "jwt"])
@pytest.mark.parametrize("operation", ["suspend", "patch", "rotate", "delete", "get", "list"])
def test_an_api_key_caller_adds_one_read_and_at_most_one_last_used_write_per_window(
    api: Api, operation: str, key_format: str
) -> None:
    admin = api.session("root", "acme", ["admin"])
    caller = api.created_key(
        admin,
        service_account_id="sa_ci",
        scopes=["read", "write", "keys:read", "keys:write"],
        format=key_format,
    )["key"]
    targets = [api.created_key(admin, service_account_id="sa_ci", scopes=["read"])["id"] for _ in range(2)]
    if operation == "delete":
        for target in targets:
            assert api.request("POST", f"/v1/api-keys/{target}/suspend", token=admin).status == 200
    own = {
        "suspend": ("POST", "/suspend", None, 200, CHANGE),
        "patch": ("PATCH", "", {"name": "x"}, 200, CHANGE),
        "rotate": ("POST", "/rotate", None, 201, CHANGE),
        "delete": ("DELETE", "", None, 204, CHANGE),
        "get": ("GET", "", None, 200, {"GetItem": 1}),
        "list": ("GET", None, None, 200, {"Query": 1}),
    }[operation]
    method, suffix, body, status, expected = own
    for i, target in enumerate(targets):
        path = "/v1/api-keys" if suffix is None else f"/v1/api-keys/{target}{suffix}"
        counts = measured(api, lambda p=path: api.request(method, p, token=caller, json_body=body), status)  # type: ignore[misc]
        authentication = Counter({"GetItem": 1, "UpdateItem": 1 if i == 0 else 0})
        assert counts == Counter(expected) + authentication, (operation, i, dict(counts))


@pytest.mark.parametrize("key_format", ["opaque", "jwt"])
def test_the_request_budget_of_verify_and_the_authorizer(api: Api, key_format: str) -> None:
    created = admin_key(api, format=key_format)
    client = api.parts.store.client
    budget: dict[str, list[str]] = {}
    with counting(client) as budget["verify first"]:
        verify(api, {"key": created["key"]})
    with counting(client) as budget["verify again"]:
        verify(api, {"key": created["key"]})
    with counting(client) as budget["verify scope refused"]:
        verify(api, {"key": created["key"], "required_scopes": ["write"]})
    with counting(client) as budget["verify malformed"]:
        # the last checksum (or signature) character changed (to "0", or to "1" where it was "0")
        typo = created["key"][:-1] + ("1" if created["key"].endswith("0") else "0")
        verify(api, {"key": typo})
    with counting(client) as budget["verify unknown"]:
        verify(api, {"key": tokens.generate("ks")})
    with counting(client) as budget["verify 422"]:
        verify(api, {"key": 1})
    with counting(client) as budget["authorizer"]:
        authorize(f"Bearer {created['key']}")
    with counting(client) as budget["authorizer malformed"]:
        authorize("Bearer nope")
    with counting(client) as budget["whoami"]:
        whoami(
            {
                "key_id": created["id"],
                "tenant_id": "acme",
                "owner_type": "user",
                "owner_id": "u_1",
                "scopes": "read",
                "environment_id": "",
            }
        )
    assert budget == {
        "verify first": ["GetItem", "UpdateItem"],
        "verify again": ["GetItem"],
        "verify scope refused": ["GetItem"],
        "verify malformed": [],
        "verify unknown": ["GetItem"],
        "verify 422": [],
        "authorizer": ["GetItem"],  # last-used already written inside this window by verify
        "authorizer malformed": [],
        "whoami": [],
    }


def test_a_sparse_filtered_list_page_costs_at_most_the_documented_queries(api: Api) -> None:
    """One key in env_rare among 60: the page is filled (here: exhausted) within the bound."""
    admin = api.session("root", "acme", ["admin"])
    rare = api.created_key(admin, service_account_id="sa_ci", environment_id="env_rare")["id"]
    for _ in range(59):
        api.created_key(admin, service_account_id="sa_ci")
    query = {"environment_id": "env_rare", "limit": "5"}
    counts = measured(api, lambda: api.request("GET", "/v1/api-keys", token=admin, query=query), 200)
    reply = api.request("GET", "/v1/api-keys", token=admin, query=query)
    assert [item["id"] for item in reply.body["items"]] == [rare] and reply.body["next_cursor"] is None
    assert set(counts) == {"Query"} and 1 < counts["Query"] <= MAX_QUERIES_PER_PAGE
    print(
        f"sparse filtered page (limit 5, 1 match in 60): {counts['Query']} queries, Limits {query_limits(5)}"
    )


LIMITED_KINDS: dict[str, dict[str, Any]] = {
    "rate-limited": {"rate_limit": {"limit": 3, "window_seconds": 86_400}},
    "credited": {"credits": {"remaining": 3}},
    "both": {"rate_limit": {"limit": 3, "window_seconds": 86_400}, "credits": {"remaining": 100}},
    "restricted, credited": {"allowed_ips": ["203.0.113.0/24"], "credits": {"remaining": 3}},
    "JWT-format, credited": {"format": "jwt", "credits": {"remaining": 3}},
}


@pytest.mark.parametrize("kind", list(LIMITED_KINDS))
def test_a_key_with_limits_costs_one_request_per_verification(api: Api, kind: str) -> None:
    """One conditional UpdateItem per verification once this process has met the key (its first
    verification here reads it first); refusals cost one request too, and nothing more."""
    created = admin_key(api, scopes=["read"], **LIMITED_KINDS[kind])
    key, client = created["key"], api.parts.store.client
    admin = api.session("u_1", "acme", ["admin"])
    budget: dict[str, list[str]] = {}
    with counting(client) as budget["first in this process"]:
        assert verify(api, {"key": key}).body["valid"] is True
    for i in range(2):
        with counting(client) as budget[f"valid {i}"]:
            assert verify(api, {"key": key}).body["valid"] is True
    with counting(client) as budget["refused: scope"]:
        assert verify(api, {"key": key, "required_scopes": ["write"]}).body["code"] == "INSUFFICIENT_SCOPE"
    with counting(client) as budget["refused: limit"]:
        assert verify(api, {"key": key}).body["code"] in ("RATE_LIMITED", "USAGE_EXCEEDED")
    with counting(client) as budget["authorizer refused: limit"]:
        assert authorize(f"Bearer {key}", source_ip="203.0.113.4") == {"isAuthorized": False}
    assert api.suspend_key(admin, created["id"]).status == 200
    with counting(client) as budget["refused: suspended since"]:
        assert verify(api, {"key": key}).body["code"] == "SUSPENDED"
    assert budget == {
        "first in this process": ["GetItem", "UpdateItem"],
        "valid 0": ["UpdateItem"],
        "valid 1": ["UpdateItem"],
        "refused: scope": ["GetItem"],
        "refused: limit": ["UpdateItem"],
        "authorizer refused: limit": ["UpdateItem"],
        "refused: suspended since": ["UpdateItem"],
    }


def test_the_authorizer_spends_one_conditional_update_per_call_on_a_limited_key(api: Api) -> None:
    created = admin_key(api, credits={"remaining": 2})
    client = api.parts.store.client
    calls: dict[str, list[str]] = {}
    for name in ("first", "second", "third"):
        with counting(client) as calls[name]:
            allowed = authorize(f"Bearer {created['key']}")["isAuthorized"]
        calls[name].append("allowed" if allowed else "denied")
    assert calls == {
        "first": ["GetItem", "UpdateItem", "allowed"],
        "second": ["UpdateItem", "allowed"],
        "third": ["UpdateItem", "denied"],
    }
