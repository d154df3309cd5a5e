"""GET /v1/audit-events answers 400 for a bad query (limit, action, key_id, cursor), and for a
cursor of another listing."""

from __future__ import annotations

import pytest

from tests.support.client import Client as Api
from tests.support.list_queries import BAD_PAGE_QUERIES, assert_bad_query
from tests.support.problems import assert_problem

BAD_AUDIT_QUERIES = [
    *BAD_PAGE_QUERIES,
    ({"action": "destroy"}, "/action"),
    ({"action": "CREATE"}, "/action"),
    ({"key_id": "not-a-key"}, "/key_id"),
]


@pytest.mark.parametrize(("query", "pointer"), BAD_AUDIT_QUERIES)
def test_bad_audit_queries_are_400_with_a_pointer(api: Api, query: dict[str, str], pointer: str) -> None:
    assert_bad_query(api, "/v1/audit-events", query, pointer)


def test_a_cursor_from_another_listing_is_refused(api: Api) -> None:
    alice, admin = api.session("alice", "acme"), api.session("root", "acme", ["admin"])
    for i in range(3):
        api.created_key(alice, name=f"k{i}")
    cursor = api.request("GET", "/v1/audit-events", token=admin, query={"limit": "1"}).body["next_cursor"]
    assert cursor
    for token, query in ((alice, {}), (admin, {"action": "create"})):
        reply = api.request("GET", "/v1/audit-events", token=token, query={"cursor": cursor, **query})
        assert_problem(reply, 400, "malformed-request", "/cursor")
    keys_cursor = api.request("GET", "/v1/api-keys", token=admin, query={"limit": "1"}).body["next_cursor"]
    reply = api.request("GET", "/v1/audit-events", token=admin, query={"cursor": keys_cursor})
    assert_problem(reply, 400, "malformed-request", "/cursor")
