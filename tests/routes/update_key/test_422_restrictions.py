"""PATCH /v1/api-keys/{id} answers 422 naming the broken restriction or limit field, and refuses a
not_before that is not before the key's expiry: the one in the body, or the stored one."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keysmith import clock
from tests.support.client import Client as Api
from tests.support.problems import assert_problem
from tests.support.restrictions import BAD_RESTRICTIONS
from tests.support.targets import unchanged


@pytest.mark.parametrize(("fields", "pointer"), BAD_RESTRICTIONS)
def test_a_broken_restriction_is_422_with_its_pointer(
    api: Api, alice: str, key: dict[str, Any], fields: dict[str, Any], pointer: str
) -> None:
    assert_problem(api.update_key(alice, key["id"], fields), 422, "validation-error", pointer)
    unchanged(api, key)


def test_not_before_after_the_stored_expiry_is_422(api: Api, alice: str) -> None:
    created = api.created_key(alice, "target", expires_in_seconds=3600)
    after = clock.rfc3339(clock.parse_rfc3339(created["expires_at"]) + 60)
    reply = api.update_key(alice, created["id"], {"not_before": after})
    body = assert_problem(reply, 422, "validation-error", "/not_before")
    assert "expires_at" in body["detail"]
    assert api.get_key(alice, created["id"]).body["not_before"] is None


def test_an_expiry_before_the_stored_not_before_is_422(api: Api, alice: str) -> None:
    not_before = clock.rfc3339(time.time() + 7200)
    created = api.created_key(alice, "target", not_before=not_before)
    sooner = clock.rfc3339(time.time() + 3600)
    reply = api.update_key(alice, created["id"], {"expires_at": sooner})
    assert_problem(reply, 422, "validation-error", "/expires_at")
    assert api.get_key(alice, created["id"]).body["expires_at"] is None


def test_both_in_one_body_must_agree(api: Api, alice: str, key: dict[str, Any]) -> None:
    at = clock.rfc3339(time.time() + 3600)
    reply = api.update_key(alice, key["id"], {"not_before": at, "expires_at": at})
    assert_problem(reply, 422, "validation-error", "/not_before")
    unchanged(api, key)
