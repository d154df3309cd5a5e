"""RFC 9457 problem details: the slug catalogue and the answer's shape."""

from __future__ import annotations

import json

import pytest

from keysmith.domain.problems import CATALOGUE, Problem, unauthenticated, unavailable
from keysmith.http.answers import problem_result as problem_response


@pytest.mark.parametrize("slug", sorted(CATALOGUE))
def test_every_slug_answers_problem_json_with_its_fixed_title(slug: str) -> None:
    result = problem_response(Problem(slug, "what went wrong"), "/v1/api-keys", "req-1")
    body = json.loads(result["body"])
    status, title = CATALOGUE[slug]
    assert result["statusCode"] == status
    assert result["headers"]["Content-Type"] == "application/problem+json"
    assert result["headers"]["X-Request-Id"] == "req-1"
    assert body == {
        "type": f"urn:keysmith:problem:{slug}",
        "title": title,
        "status": status,
        "detail": "what went wrong",
        "instance": "/v1/api-keys",
        "request_id": "req-1",
    }


def test_the_catalogue_is_the_one_of_the_contract() -> None:
    assert {slug: status for slug, (status, _) in CATALOGUE.items()} == {
        "malformed-request": 400,
        "unauthenticated": 401,
        "forbidden": 403,
        "not-found": 404,
        "method-not-allowed": 405,
        "conflict": 409,
        "payload-too-large": 413,
        "unsupported-media-type": 415,
        "validation-error": 422,
        "unavailable": 503,
        "internal": 500,
    }


def test_unauthenticated_carries_www_authenticate_and_unavailable_retry_after() -> None:
    assert unauthenticated("x").headers["WWW-Authenticate"].startswith("Bearer")
    assert unavailable().headers["Retry-After"].isdigit()


def test_validation_errors_carry_pointers() -> None:
    problem = Problem("validation-error", "bad", errors=[{"pointer": "/name", "detail": "Required."}])
    body = json.loads(problem_response(problem, "/v1/api-keys", "r")["body"])
    assert body["errors"] == [{"pointer": "/name", "detail": "Required."}]


def test_an_unknown_slug_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        Problem("teapot", "no")
