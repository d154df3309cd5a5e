"""POST /v1/api-keys answers 422 naming the broken field."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keysmith import clock
from tests.support.client import Client as Api
from tests.support.client import post_create
from tests.support.field_rules import FIELD_RULES
from tests.support.problems import assert_problem

FUTURE = clock.rfc3339(time.time() + 86_400)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        *(({"name": "ok", **fields}, pointer) for fields, pointer in FIELD_RULES),
        ({}, "/name"),
        ({"name": "zero\u200bwidth"}, "/name"),
        ({"name": "ok", "expires_in_seconds": 0}, "/expires_in_seconds"),
        ({"name": "ok", "expires_in_seconds": "60"}, "/expires_in_seconds"),
        ({"name": "ok", "expires_in_seconds": 1.5}, "/expires_in_seconds"),
        ({"name": "ok", "expires_in_seconds": True}, "/expires_in_seconds"),
        ({"name": "ok", "expires_in_seconds": 10**12}, "/expires_in_seconds"),
        ({"name": "ok", "expires_at": FUTURE, "expires_in_seconds": 60}, "/expires_in_seconds"),
        ({"name": "ok", "service_account_id": "sa#1"}, "/service_account_id"),
        ({"name": "ok", "environment_id": "env prod"}, "/environment_id"),
        ({"name": "ok", "owner": "someone"}, "/owner"),
    ],
)
def test_field_rules_answer_422_with_a_pointer(api: Api, body: dict[str, Any], pointer: str) -> None:
    import json

    assert_problem(post_create(api, json.dumps(body)), 422, "validation-error", pointer)
    admin = api.session("root", "acme", ["admin"])
    assert api.request("GET", "/v1/api-keys", token=admin).body["items"] == []
