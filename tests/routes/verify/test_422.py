"""POST /v1/verify answers 422 naming every broken field at once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import Client as Api
from tests.support.problems import assert_problem
from tests.support.verification import verify


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/key"),
        ({"key": None}, "/key"),
        ({"key": 42}, "/key"),
        ({"key": ["ks_x"]}, "/key"),
        ({"key": "ks_x", "scopes": ["read"]}, "/scopes"),
        ({"key": "ks_x", "required_scopes": "read"}, "/required_scopes"),
        ({"key": "ks_x", "required_scopes": [1]}, "/required_scopes/0"),
        ({"key": "ks_x", "required_scopes": ["read", ""]}, "/required_scopes/1"),
        ({"key": "ks_x", "required_scopes": ["read"] * 65}, "/required_scopes"),
        ({"key": "ks_x", "environment_id": "env prod"}, "/environment_id"),
        ({"key": "ks_x", "environment_id": 7}, "/environment_id"),
        ({"key": "ks_x", "client_ip": "not-an-ip"}, "/client_ip"),
        ({"key": "ks_x", "client_ip": "203.0.113.300"}, "/client_ip"),
        ({"key": "ks_x", "client_ip": 3405803783}, "/client_ip"),
        ({"key": "ks_x", "user_agent": 5}, "/user_agent"),
        ({"key": "ks_x", "a/b": 1}, "/a~1b"),
    ],
)
def test_a_broken_field_rule_is_422_with_a_pointer(api: Api, body: dict[str, Any], pointer: str) -> None:
    assert_problem(verify(api, body), 422, "validation-error", pointer)


def test_every_broken_rule_is_reported_at_once(api: Api) -> None:
    reply = verify(api, {"required_scopes": "x", "client_ip": "nope", "extra": True})
    assert_problem(reply, 422, "validation-error")
    assert sorted(e["pointer"] for e in reply.body["errors"]) == [
        "/client_ip",
        "/extra",
        "/key",
        "/required_scopes",
    ]
