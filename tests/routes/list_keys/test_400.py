"""GET /v1/api-keys answers 400 for a bad query, and for a cursor of another listing."""

from __future__ import annotations

import pytest

from tests.support.client import Client as Api
from tests.support.list_queries import BAD_PAGE_QUERIES, assert_bad_query

BAD_LIST_QUERIES = [
    *BAD_PAGE_QUERIES,
    ({"limit": "1,2"}, "/limit"),
    ({"status": "deleted"}, "/status"),
    ({"owner_type": "robot"}, "/owner_type"),
    ({"owner_id": "a#b"}, "/owner_id"),
]


@pytest.mark.parametrize(("query", "pointer"), BAD_LIST_QUERIES)
def test_bad_list_queries_are_400_with_a_pointer(api: Api, query: dict[str, str], pointer: str) -> None:
    assert_bad_query(api, "/v1/api-keys", query, pointer)


def test_a_cursor_from_another_listing_is_refused(api: Api) -> None:
    alice, admin = api.session("alice", "acme"), api.session("root", "acme", ["admin"])
    for i in range(3):
        api.created_key(alice, name=f"k{i}")
    cursor = api.request("GET", "/v1/api-keys", token=admin, query={"limit": "1"}).body["next_cursor"]
    assert cursor
    reply = api.request("GET", "/v1/api-keys", token=alice, query={"cursor": cursor})
    assert reply.status == 400
    assert reply.body["errors"][0]["pointer"] == "/cursor"
