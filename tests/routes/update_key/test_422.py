"""PATCH /v1/api-keys/{id} answers 422 naming the broken field."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from keysmith import clock
from tests.support.client import Client as Api
from tests.support.field_rules import FIELD_RULES
from tests.support.targets import assert_invalid_and_unchanged, send


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        *FIELD_RULES,
        ({}, ""),
        ({"nam": "x"}, "/nam"),
        ({"name": "x", "status": "active"}, "/status"),
        ({"name": "x", "expires_in_seconds": 60}, "/expires_in_seconds"),
        ({"name": "x", "service_account_id": "sa"}, "/service_account_id"),
        ({"name": "x", "environment_id": "env"}, "/environment_id"),
        ({"name": None}, "/name"),
        ({"description": 5}, "/description"),
        ({"description": "nul\u0000"}, "/description"),
        ({"scopes": None}, "/scopes"),
        ({"expires_at": clock.rfc3339(time.time() + 101 * 365 * 86_400)}, "/expires_at"),
        ({"metadata": None}, "/metadata"),
    ],
)
def test_patch_field_rules_answer_422_with_a_pointer(
    api: Api, alice: str, key: dict[str, Any], body: dict[str, Any], pointer: str
) -> None:
    reply = send(api, alice, "PATCH", f"/v1/api-keys/{key['id']}", json.dumps(body))
    assert_invalid_and_unchanged(api, reply, key, pointer)
