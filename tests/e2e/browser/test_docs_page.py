"""GET /v1/docs in a real browser (the ``browser`` fixture of conftest.py: Playwright driving Debian's
chromium) against the local server. The page lists every operation of the OpenAPI
document, resolves every schema, and loads nothing from another origin."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from playwright.sync_api import Browser, ConsoleMessage

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_the_docs_page_lists_every_operation_from_this_origin_only(
    browser: Browser, local_server: str
) -> None:
    document = requests.get(f"{local_server}/v1/openapi.json", timeout=30).json()
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }
    assert len(operations) >= 12

    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":  # a Content-Security-Policy refusal is logged as one
            problems.append(message.text)

    page.on("console", on_console)
    try:
        response = page.goto(f"{local_server}/v1/docs", wait_until="load")
        assert response is not None and response.status == 200
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy

        page.wait_for_selector(".opblock", timeout=30_000)
        page.wait_for_function(
            "count => document.querySelectorAll('.opblock').length >= count", arg=len(operations)
        )
        listed = {
            (
                block.locator(".opblock-summary-method").inner_text().strip().upper(),
                block.locator(".opblock-summary-path").get_attribute("data-path"),
            )
            for block in page.locator(".opblock").all()
        }
        assert listed == operations

        # Opening an operation shows its answers' schemas, every reference resolved.
        page.locator("#operations-api-keys-createApiKey .opblock-summary").click()
        page.wait_for_selector("#operations-api-keys-createApiKey .responses-table")
        assert "Resolver error" not in page.locator("body").inner_text()
        # The 201 example is built from the CreatedApiKey schema: only a resolved schema has these.
        opened = page.locator("#operations-api-keys-createApiKey").inner_text()
        assert '"last_four"' in opened and '"available_actions"' in opened, opened[:2000]
    finally:
        context.close()

    assert requested, "the page made no request at all"
    foreign = sorted(
        {url for url in requested if origin(url) != local_server and not url.startswith("data:")}
    )
    assert foreign == [], f"requests to other origins: {foreign}"
    assert {urlsplit(url).path for url in requested} >= {
        "/v1/docs",
        "/v1/docs/swagger-ui-bundle.js",
        "/v1/docs/swagger-ui.css",
        "/v1/docs/page.js",
        "/v1/docs/page.css",
        "/v1/openapi.json",
    }
    assert problems == [], problems
