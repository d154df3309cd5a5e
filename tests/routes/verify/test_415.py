"""POST /v1/verify answers 415 for a body not declared JSON."""

from __future__ import annotations

import pytest

from tests.support.client import Client as Api
from tests.support.problems import assert_problem


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_declared_json_is_415(api: Api, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    assert_problem(
        api.request("POST", "/internal/v1/verify", body='{"key": "x"}', headers=headers),
        415,
        "unsupported-media-type",
    )
