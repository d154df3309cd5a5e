"""POST /v1/api-keys answers 413 for a body over 16 KiB."""

from __future__ import annotations

from tests.support.client import Client as Api
from tests.support.client import post_create
from tests.support.problems import assert_problem


def test_bodies_over_16_kib_are_413(api: Api) -> None:
    filler = "x" * (16 * 1024)
    assert_problem(post_create(api, '{"name": "' + filler + '"}'), 413, "payload-too-large")
