"""Every key route answers 404 for unknown or malformed ids and unknown actions, 405 with Allow
for a wrong method."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import Client as Api
from tests.support.problems import assert_problem
from tests.support.targets import ROUTES, UNKNOWN_ID, send, unchanged


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
@pytest.mark.parametrize(
    "key_id", [UNKNOWN_ID, "not-a-uuid", "3C90C3CC-0D44-8B50-A888-8DD25736052A", "..%2F.."]
)
def test_unknown_or_malformed_ids_are_404(
    api: Api, alice: str, method: str, suffix: str, key_id: str
) -> None:
    body = '{"name": "x"}' if method == "PATCH" else None
    reply = send(api, alice, method, f"/v1/api-keys/{key_id}{suffix}", body)
    assert_problem(reply, 404, "not-found")


@pytest.mark.parametrize(
    ("method", "suffix", "allow"),
    [
        ("PUT", "", "DELETE, GET, PATCH"),
        ("POST", "", "DELETE, GET, PATCH"),
        ("GET", "/suspend", "POST"),
        ("DELETE", "/rotate", "POST"),
        ("PATCH", "/revoke", "POST"),
    ],
)
def test_wrong_methods_are_405_with_allow(
    api: Api, alice: str, key: dict[str, Any], method: str, suffix: str, allow: str
) -> None:
    reply = api.request(method, f"/v1/api-keys/{key['id']}{suffix}", token=alice)
    assert_problem(reply, 405, "method-not-allowed")
    assert reply.header("Allow") == allow
    unchanged(api, key)


def test_unknown_actions_are_404(api: Api, alice: str, key: dict[str, Any]) -> None:
    for action in ("restore", "unrevoke", "expire"):
        reply = api.request("POST", f"/v1/api-keys/{key['id']}/{action}", token=alice)
        assert_problem(reply, 404, "not-found")
    unchanged(api, key)
