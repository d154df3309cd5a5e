"""GET /v1/docs and its files, in-process: what the openapi function answers (the page in a real
browser is tests/e2e/browser/test_docs_page.py)."""

from __future__ import annotations

import json
import re

import pytest

from keysmith import wiring
from keysmith.settings import Settings
from tests.helpers import handler_of, make_event


def get(path: str) -> dict[str, object]:
    """GET ``path`` on the public API, with the event the gateway builds (route key, path parameters)."""
    result: dict[str, object] = handler_of("openapi")(make_event("GET", path), None)
    return result


def test_the_page_is_html_under_a_policy_that_allows_this_origin_only() -> None:
    result = get("/v1/docs")
    headers = result["headers"]
    assert isinstance(headers, dict)
    assert result["statusCode"] == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    for directive in ("script-src", "style-src", "connect-src", "font-src"):
        assert policy[directive] == "'self'", directive
    assert policy["frame-ancestors"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Request-Id"]
    page = str(result["body"])
    assert "<script>" not in page and "style=" not in page  # nothing inline: the policy would refuse it
    assert not re.search(r'(src|href)="(https?:)?//', page)  # every reference is relative


def test_every_file_the_page_loads_is_served_with_its_type() -> None:
    page = str(get("/v1/docs")["body"])
    loaded = re.findall(r'(?:src|href)="docs/([^"]+)"', page)
    assert set(loaded) == {"swagger-ui-bundle.js", "swagger-ui.css", "page.js", "page.css"}
    for name in loaded:
        result = get(f"/v1/docs/{name}")
        headers = result["headers"]
        assert isinstance(headers, dict)
        assert result["statusCode"] == 200, name
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        assert headers["Content-Type"] == f"{kind}; charset=utf-8"
        assert len(str(result["body"])) > 50
    bundle = str(get("/v1/docs/swagger-ui-bundle.js")["body"])
    assert "SwaggerUIBundle" in bundle


@pytest.mark.parametrize("name", ["index.html", "openapi.json", "..%2Fapp.py", "LICENSE", "swagger-ui.js"])
def test_any_other_name_is_a_404_problem(name: str) -> None:
    result = get(f"/v1/docs/{name}")
    headers = result["headers"]
    assert isinstance(headers, dict)
    assert result["statusCode"] == 404
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(str(result["body"]))["type"] == "urn:keysmith:problem:not-found"


def test_the_document_is_still_served_at_its_own_route() -> None:
    with wiring.replace(settings=Settings(table_name="keys")):  # its scopes are the deploy's
        result = get("/v1/openapi.json")
    assert result["statusCode"] == 200
    assert "/v1/docs" in json.loads(str(result["body"]))["paths"]
