"""POST /v1/api-keys/{id}/rotate answers 422 naming the broken field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.client import Client as Api
from tests.support.targets import assert_invalid_and_unchanged, send


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"grace_period_seconds": -1}, "/grace_period_seconds"),
        ({"grace_period_seconds": 604_801}, "/grace_period_seconds"),
        ({"grace_period_seconds": "60"}, "/grace_period_seconds"),
        ({"grace_period_seconds": 1.5}, "/grace_period_seconds"),
        ({"grace_period_seconds": True}, "/grace_period_seconds"),
        ({"grace_period_seconds": None}, "/grace_period_seconds"),
        ({"grace": 60}, "/grace"),
    ],
)
def test_rotate_body_rules_answer_422_with_a_pointer(
    api: Api, alice: str, key: dict[str, Any], body: dict[str, Any], pointer: str
) -> None:
    reply = send(api, alice, "POST", f"/v1/api-keys/{key['id']}/rotate", json.dumps(body))
    assert_invalid_and_unchanged(api, reply, key, pointer)
    assert len(api.request("GET", "/v1/api-keys", token=alice).body["items"]) == 1
