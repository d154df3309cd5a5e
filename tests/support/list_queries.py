"""What every paged listing (keys, audit events) refuses in its query, and how a refusal looks:
400 ``malformed-request`` naming the parameter."""

from __future__ import annotations

from tests.support.client import Client as Api
from tests.support.problems import assert_problem

# (query, pointer) rows every listing answers 400 to: limit out of range or not a number, a cursor
# that is not one of ours (garbage, or well-formed JSON that was never issued).
BAD_PAGE_QUERIES: list[tuple[dict[str, str], str]] = [
    ({"limit": "0"}, "/limit"),
    ({"limit": "101"}, "/limit"),
    ({"limit": "ten"}, "/limit"),
    ({"cursor": "not-a-cursor"}, "/cursor"),
    ({"cursor": "eyJpZCI6IngifQ"}, "/cursor"),
]


def assert_bad_query(api: Api, path: str, query: dict[str, str], pointer: str) -> None:
    reply = api.request("GET", path, token=api.session("u", "acme"), query=query)
    assert_problem(reply, 400, "malformed-request", pointer)
