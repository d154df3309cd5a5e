"""POST /v1/api-keys answers 400 for a body that is not a JSON object, too deep or not UTF-8."""

from __future__ import annotations

import pytest

from tests.support.client import Client as Api
from tests.support.client import post_create
from tests.support.problems import assert_problem


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        '{"name": "x"',
        "[]",
        '"a string"',
        "null",
        "42",
        '{"name": NaN}',
        "[" * 100 + "]" * 100,
    ],
)
def test_bodies_that_are_not_a_json_object_are_400(api: Api, body: str) -> None:
    assert_problem(post_create(api, body), 400, "malformed-request")


def test_deep_nesting_is_400(api: Api) -> None:
    body = '{"name": "x", "metadata": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}"
    assert_problem(post_create(api, body), 400, "malformed-request")


def test_non_utf8_is_400(api: Api) -> None:
    reply = api.request(
        "POST",
        "/v1/api-keys",
        token=api.session("u", "acme"),
        raw_body=b'{"name": "\xff\xfe"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(reply, 400, "malformed-request")
    utf8 = api.request(
        "POST",
        "/v1/api-keys",
        token=api.session("u", "acme"),
        raw_body='{"name": "caf\u00e9"}'.encode(),
        headers={"content-type": "application/json"},
    )
    assert utf8.status == 201 and utf8.body["name"] == "caf\u00e9"
