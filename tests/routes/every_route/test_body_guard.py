"""The body guard of every key route: 413 over 16 KiB, 400 for a body that is not a JSON object,
415 for one not declared JSON, and bodyless actions ignore a small body."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import Client as Api
from tests.support.problems import assert_problem
from tests.support.targets import ROUTES, send, unchanged


@pytest.mark.parametrize("body", ["not json", '{"name": "x"', "[]", '"text"', "null", "42", '{"name": NaN}'])
@pytest.mark.parametrize("route", ["PATCH", "rotate"])
def test_bodies_that_are_not_a_json_object_are_400(
    api: Api, alice: str, key: dict[str, Any], body: str, route: str
) -> None:
    method, path = ("PATCH", f"/v1/api-keys/{key['id']}")
    if route == "rotate":
        method, path = ("POST", f"/v1/api-keys/{key['id']}/rotate")
    assert_problem(send(api, alice, method, path, body), 400, "malformed-request")
    unchanged(api, key)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("route", ["PATCH", "rotate"])
def test_a_body_without_json_content_type_is_415(
    api: Api, alice: str, key: dict[str, Any], content_type: str | None, route: str
) -> None:
    method, path = ("PATCH", f"/v1/api-keys/{key['id']}")
    body = '{"name": "x"}'
    if route == "rotate":
        method, path, body = ("POST", f"/v1/api-keys/{key['id']}/rotate", '{"grace_period_seconds": 1}')
    headers = {"content-type": content_type} if content_type else {}
    reply = api.request(method, path, token=alice, body=body, headers=headers)
    assert_problem(reply, 415, "unsupported-media-type")
    unchanged(api, key)


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
def test_bodies_over_16_kib_are_413_on_every_route(
    api: Api, alice: str, key: dict[str, Any], method: str, suffix: str
) -> None:
    body = '{"name": "' + "x" * (16 * 1024) + '"}'
    reply = send(api, alice, method, f"/v1/api-keys/{key['id']}{suffix}", body)
    assert_problem(reply, 413, "payload-too-large")
    unchanged(api, key)


@pytest.mark.parametrize("suffix", ["/suspend", "/activate", "/revoke"])
def test_bodyless_actions_ignore_a_small_body(api: Api, alice: str, key: dict[str, Any], suffix: str) -> None:
    if suffix == "/activate":
        api.request("POST", f"/v1/api-keys/{key['id']}/suspend", token=alice)
    reply = api.request("POST", f"/v1/api-keys/{key['id']}{suffix}", token=alice, body="whatever")
    assert reply.status == 200, reply.text
