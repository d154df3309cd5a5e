"""POST /v1/api-keys answers 422 naming the broken field."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keysmith import clock
from tests.support.client import Client as Api
from tests.support.client import post_create
from tests.support.problems import assert_problem

FUTURE = clock.rfc3339(time.time() + 86_400)


PAST = clock.rfc3339(time.time() - 60)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/name"),
        ({"name": ""}, "/name"),
        ({"name": "   "}, "/name"),
        ({"name": "x" * 101}, "/name"),
        ({"name": 42}, "/name"),
        ({"name": "bell\u0007"}, "/name"),
        ({"name": "bidi\u202etxt"}, "/name"),
        ({"name": "zero\u200bwidth"}, "/name"),
        ({"name": "ok", "description": "d" * 501}, "/description"),
        ({"name": "ok", "scopes": ["read", "read"]}, "/scopes"),
        ({"name": "ok", "scopes": ["read", "admin"]}, "/scopes/1"),
        ({"name": "ok", "scopes": "read"}, "/scopes"),
        ({"name": "ok", "scopes": [1]}, "/scopes/0"),
        ({"name": "ok", "expires_at": PAST}, "/expires_at"),
        ({"name": "ok", "expires_at": "2026-02-30T10:00:00Z"}, "/expires_at"),
        ({"name": "ok", "expires_at": "next week"}, "/expires_at"),
        ({"name": "ok", "expires_at": 1795341600}, "/expires_at"),
        ({"name": "ok", "expires_in_seconds": 0}, "/expires_in_seconds"),
        ({"name": "ok", "expires_in_seconds": "60"}, "/expires_in_seconds"),
        ({"name": "ok", "expires_in_seconds": 1.5}, "/expires_in_seconds"),
        ({"name": "ok", "expires_in_seconds": True}, "/expires_in_seconds"),
        ({"name": "ok", "expires_in_seconds": 10**12}, "/expires_in_seconds"),
        ({"name": "ok", "expires_at": FUTURE, "expires_in_seconds": 60}, "/expires_in_seconds"),
        ({"name": "ok", "metadata": {f"k{i}": "v" for i in range(21)}}, "/metadata"),
        ({"name": "ok", "metadata": {"k" * 41: "v"}}, "/metadata"),
        ({"name": "ok", "metadata": {"k": "v" * 257}}, "/metadata"),
        ({"name": "ok", "metadata": {"k": 1}}, "/metadata/k"),
        ({"name": "ok", "metadata": ["k"]}, "/metadata"),
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
