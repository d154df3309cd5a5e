"""PATCH /v1/api-keys/{id} with an empty body."""

from __future__ import annotations

from typing import Any

from tests.support.client import Client as Api
from tests.support.problems import assert_problem
from tests.support.targets import send, unchanged


def test_an_empty_patch_body_is_400_or_415(api: Api, alice: str, key: dict[str, Any]) -> None:
    path = f"/v1/api-keys/{key['id']}"
    assert_problem(send(api, alice, "PATCH", path, ""), 400, "malformed-request")
    assert_problem(api.request("PATCH", path, token=alice), 415, "unsupported-media-type")
    unchanged(api, key)
