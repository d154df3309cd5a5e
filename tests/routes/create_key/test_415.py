"""POST /v1/api-keys answers 415 for a body not declared JSON."""

from __future__ import annotations

import pytest

from tests.support.client import Client as Api
from tests.support.problems import assert_problem


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx"]
)
def test_create_without_json_content_type_is_415(api: Api, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    reply = api.request(
        "POST", "/v1/api-keys", token=api.session("u", "acme"), body='{"name": "x"}', headers=headers
    )
    assert_problem(reply, 415, "unsupported-media-type")
