"""The fallback function answers unknown paths 404 and wrong methods 405."""

from __future__ import annotations

from tests.support.client import Client as Api
from tests.support.problems import assert_problem


def test_unknown_paths_are_404_and_wrong_methods_405(api: Api) -> None:
    assert_problem(api.request("GET", "/v2/nothing"), 404, "not-found")
    reply = api.request("PUT", "/v1/api-keys")
    assert_problem(reply, 405, "method-not-allowed")
    assert reply.header("Allow") == "GET, POST"
