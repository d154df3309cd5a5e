"""POST /v1/verify answers 400 for a body that is not a JSON object."""

from __future__ import annotations

import pytest

from tests.support.client import Client as Api
from tests.support.problems import assert_problem


@pytest.mark.parametrize("text", ["", "{", "[]", '"ks_x"', "null", '{"key": NaN}', "[" * 40 + "]" * 40])
def test_a_body_that_is_not_a_json_object_is_400(api: Api, text: str) -> None:
    reply = api.request(
        "POST", "/internal/v1/verify", body=text, headers={"content-type": "application/json"}
    )
    assert_problem(reply, 400, "malformed-request")
