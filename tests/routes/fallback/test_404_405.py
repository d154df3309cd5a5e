"""The fallback function answers unknown paths 404 and wrong methods 405."""

from __future__ import annotations

from tests.support.client import Client as Api
from tests.support.problems import assert_problem


def test_unknown_paths_are_404_and_wrong_methods_405(api: Api) -> None:
    assert_problem(api.request("GET", "/v2/nothing"), 404, "not-found")
    reply = api.request("PUT", "/v1/api-keys")
    assert_problem(reply, 405, "method-not-allowed")
    assert reply.header("Allow") == "GET, POST"


def test_each_api_answers_for_its_own_routes(api: Api) -> None:
    """Verification lives on the internal API alone, the principal, the document and its page on
    the public API alone: elsewhere their paths are unknown (404), not a wrong method (405)."""
    assert_problem(api.request("POST", "/v1/verify", json_body={"key": "x"}), 404, "not-found")
    for path in ("/internal/v1/whoami", "/internal/v1/openapi.json", "/internal/v1/docs"):
        assert_problem(api.request("GET", path), 404, "not-found")
    wrong = api.request("GET", "/internal/v1/verify")
    assert_problem(wrong, 405, "method-not-allowed")
    assert wrong.header("Allow") == "POST"
    assert api.request("PUT", "/internal/v1/api-keys").header("Allow") == "GET, POST"
