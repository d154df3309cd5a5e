"""The committed OpenAPI document is generated from the routes: a test fails when it drifts."""

from __future__ import annotations

import json
import re

from keysmith.http.routes import ROUTES
from local.openapi import DOCUMENT, generate, render


def test_the_committed_document_is_what_the_routes_generate() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(generate()), (
        "run `make openapi` and commit the result"
    )


def test_every_route_of_the_api_is_documented() -> None:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert documented == set(ROUTES)


def test_every_error_answer_is_problem_json() -> None:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    for path, item in document["paths"].items():
        if path == "/v1/whoami":
            continue  # API Gateway's own 401/403 bodies: an HTTP API cannot reshape them
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)


def test_every_reference_of_the_document_resolves() -> None:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    references = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(document)))
    assert {"ApiKey", "CreatedApiKey", "ApiKeyList", "ProblemDetails"} <= references
    assert references <= set(document["components"]["schemas"])
