"""POST /v1/verify answers 413 for an oversized body."""

from __future__ import annotations

from tests.support.client import Client as Api
from tests.support.problems import assert_problem


def test_an_oversized_body_is_413(api: Api) -> None:
    reply = api.request(
        "POST",
        "/internal/v1/verify",
        body='{"key": "' + "x" * 17000 + '"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(reply, 413, "payload-too-large")
