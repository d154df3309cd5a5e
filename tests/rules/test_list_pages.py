"""Filled list pages: a page holds ``limit`` keys unless the listing is exhausted, whatever the
filters, and ``next_cursor`` is null exactly when nothing is left. The cost of a page is bounded
(``MAX_QUERIES_PER_PAGE`` queries, growing ``Limit``s) and measured here."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from keysmith.store.listing import MAX_QUERIES_PER_PAGE, query_limits
from tests.helpers import Api, count_requests


def create(api: Api, token: str, **body: Any) -> dict[str, Any]:
    reply = api.request("POST", "/v1/api-keys", token=token, json_body={"name": "k", **body})
    assert reply.status == 201, reply.text
    return dict(reply.body)


def page(api: Api, token: str, **query: str) -> tuple[dict[str, Any], int]:
    with count_requests(api.parts.store.client) as counts:
        reply = api.request("GET", "/v1/api-keys", token=token, query=query)
    assert reply.status == 200, reply.text
    return reply.body, counts["Query"]


def every_page(api: Api, token: str, **query: str) -> tuple[list[list[str]], list[int]]:
    pages, costs, cursor = [], [], None
    while True:
        body, cost = page(api, token, **query, **({"cursor": cursor} if cursor else {}))
        pages.append([item["id"] for item in body["items"]])
        costs.append(cost)
        cursor = body["next_cursor"]
        if cursor is None:
            return pages, costs
        assert len(pages) < 50


def test_the_25_keys_5_in_env_a_example_gives_all_5_on_page_one(api: Api) -> None:
    admin = api.session("root", "acme", ["admin"])
    in_env_a = []
    for i in range(25):
        key = create(
            api, admin, service_account_id="sa_ci", **({"environment_id": "env_a"} if i % 5 == 0 else {})
        )
        if i % 5 == 0:
            in_env_a.append(key["id"])
    body, queries = page(api, admin, environment_id="env_a", limit="20")
    assert sorted(item["id"] for item in body["items"]) == sorted(in_env_a)
    assert body["next_cursor"] is None
    assert queries <= MAX_QUERIES_PER_PAGE


@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_every_page_is_full_until_the_last_and_the_last_cursor_is_null(api: Api, limit: int) -> None:
    admin = api.session("root", "acme", ["admin"])
    matching = set()
    for i in range(23):
        key = create(api, admin, service_account_id="sa_ci", **({"environment_id": "env_b"} if i % 3 else {}))
        if i % 3:
            matching.add(key["id"])
    pages, costs = every_page(api, admin, environment_id="env_b", limit=str(limit))
    assert all(len(p) == limit for p in pages[:-1]), pages
    assert 1 <= len(pages[-1]) <= limit  # never an empty last page: the cursor was null already
    assert [k for p in pages for k in p] and set(k for p in pages for k in p) == matching
    assert len([k for p in pages for k in p]) == len(matching)  # no key twice
    assert max(costs) <= MAX_QUERIES_PER_PAGE


def test_an_exactly_full_listing_ends_with_a_null_cursor(api: Api) -> None:
    alice = api.session("alice", "acme")
    for _ in range(4):
        create(api, alice)
    body, queries = page(api, alice, limit="4")
    assert len(body["items"]) == 4 and body["next_cursor"] is None
    assert queries == 1  # unfiltered: one query asks for limit + 1


def test_status_filters_fill_pages_too(api: Api) -> None:
    alice = api.session("alice", "acme")
    revoked = []
    for i in range(12):
        key = create(api, alice)
        if i % 4 == 0:
            assert api.request("POST", f"/v1/api-keys/{key['id']}/revoke", token=alice).status == 200
            revoked.append(key["id"])
    body, _ = page(api, alice, status="revoked", limit="3")
    assert sorted(i["id"] for i in body["items"]) == sorted(revoked) and body["next_cursor"] is None


def test_the_query_limits_grow_and_are_bounded() -> None:
    limits = query_limits(20)
    assert len(limits) == MAX_QUERIES_PER_PAGE
    assert limits[0] == 21 and all(b > a for a, b in itertools.pairwise(limits))
    assert max(query_limits(100)) <= 1000
