"""PATCH /v1/api-keys/{id} answers 422 naming the broken field."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from keysmith import clock
from tests.support.client import Client as Api
from tests.support.problems import assert_problem
from tests.support.targets import send, unchanged

PAST = clock.rfc3339(time.time() - 60)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, ""),
        ({"nam": "x"}, "/nam"),
        ({"name": "x", "status": "active"}, "/status"),
        ({"name": "x", "expires_in_seconds": 60}, "/expires_in_seconds"),
        ({"name": "x", "service_account_id": "sa"}, "/service_account_id"),
        ({"name": "x", "environment_id": "env"}, "/environment_id"),
        ({"name": None}, "/name"),
        ({"name": ""}, "/name"),
        ({"name": "   "}, "/name"),
        ({"name": "x" * 101}, "/name"),
        ({"name": 42}, "/name"),
        ({"name": "bell\u0007"}, "/name"),
        ({"name": "bidi\u202etxt"}, "/name"),
        ({"description": "d" * 501}, "/description"),
        ({"description": 5}, "/description"),
        ({"description": "nul\u0000"}, "/description"),
        ({"scopes": None}, "/scopes"),
        ({"scopes": ["read", "read"]}, "/scopes"),
        ({"scopes": ["read", "admin"]}, "/scopes/1"),
        ({"scopes": "read"}, "/scopes"),
        ({"scopes": [1]}, "/scopes/0"),
        ({"expires_at": PAST}, "/expires_at"),
        ({"expires_at": "2026-02-30T10:00:00Z"}, "/expires_at"),
        ({"expires_at": "next week"}, "/expires_at"),
        ({"expires_at": 1795341600}, "/expires_at"),
        ({"expires_at": clock.rfc3339(time.time() + 101 * 365 * 86_400)}, "/expires_at"),
        ({"metadata": None}, "/metadata"),
        ({"metadata": {f"k{i}": "v" for i in range(21)}}, "/metadata"),
        ({"metadata": {"k" * 41: "v"}}, "/metadata"),
        ({"metadata": {"k": "v" * 257}}, "/metadata"),
        ({"metadata": {"k": 1}}, "/metadata/k"),
        ({"metadata": ["k"]}, "/metadata"),
    ],
)
def test_patch_field_rules_answer_422_with_a_pointer(
    api: Api, alice: str, key: dict[str, Any], body: dict[str, Any], pointer: str
) -> None:
    reply = send(api, alice, "PATCH", f"/v1/api-keys/{key['id']}", json.dumps(body))
    assert_problem(reply, 422, "validation-error", pointer)
    unchanged(api, key)
