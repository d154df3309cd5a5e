"""The console in a real browser: Playwright (from PyPI) driving Debian's chromium, never a browser
Playwright downloads. ``make setup`` installs both; a machine without /usr/bin/chromium fails here
with that message rather than skipping.

Each test gets a fresh browser context (no storage, no cookies), signs in on the local server's
console at ``/console`` with its own tenant, and fails if the page threw an error.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Locator, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[3]

CHROMIUM = Path("/usr/bin/chromium")
AXE_SOURCE = ROOT / "console" / "node_modules" / "axe-core" / "axe.min.js"
# The console's address. API Gateway serves /console/ through the GET /console route as well.
CONSOLE_PATH = "/console"

# Every text, attribute and form value of the document, shadow roots included.
ALL_DOM_TEXT = """() => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) out.push(node.data);
    if (node.nodeType === Node.ELEMENT_NODE) {
      for (const attribute of node.attributes) out.push(attribute.value);
      if (typeof node.value === "string") out.push(node.value);
      if (node.shadowRoot) walk(node.shadowRoot);
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(document);
  return out.join("\\n");
}"""

# The focused element, looking through shadow roots.
DEEP_ACTIVE = """() => {
  let element = document.activeElement;
  while (element && element.shadowRoot && element.shadowRoot.activeElement) {
    element = element.shadowRoot.activeElement;
  }
  if (!element) return null;
  const label = element.labels && element.labels.length ? element.labels[0].textContent : "";
  const text = element.getAttribute("aria-label") || label || element.textContent;
  return (text || element.id || element.tagName).trim();
}"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.is_file(), "Debian's chromium is missing: run `make setup` (apt-get install chromium)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class ConsoleSession:
    """One browser tab on the console, with what it logged."""

    page: Page
    context: BrowserContext
    base_url: str
    tenant: str
    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def tokens(self) -> Locator:
        return self.page.locator("keysmith-tokens")

    def open(self) -> None:
        response = self.page.goto(self.base_url + CONSOLE_PATH)
        assert response is not None and response.status == 200

    def sign_in(self, user_id: str, admin: bool = False) -> None:
        page = self.page
        page.get_by_label("User id", exact=True).fill(user_id)
        page.get_by_label("Tenant", exact=True).fill(self.tenant)
        if admin:
            page.get_by_label("Admin of the tenant").check()
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="API keys of your tenant" if admin else "Your API keys").wait_for()
        self.wait_loaded()

    def wait_loaded(self) -> None:
        self.page.get_by_role("status").filter(has_text="on page").first.wait_for()

    def row(self, name: str) -> Locator:
        return self.page.get_by_role("row").filter(has=self.page.get_by_role("rowheader", name=name))

    def dialog(self) -> Locator:
        return self.page.get_by_role("dialog")

    def dom_text(self) -> str:
        return str(self.page.evaluate(ALL_DOM_TEXT))

    def focused(self) -> str | None:
        value = self.page.evaluate(DEEP_ACTIVE)
        return None if value is None else str(value)

    def focus_settles_on(self, label: str, timeout_ms: float = 5000) -> str | None:
        """The focused control once the page has redrawn: ``label`` as soon as the focus reaches it
        (a list reload after a dialog moves it there), else whatever holds it at the timeout."""
        with contextlib.suppress(PlaywrightTimeoutError):
            self.page.wait_for_function(
                f"(label) => ({DEEP_ACTIVE})() === label", arg=label, timeout=timeout_ms
            )
        return self.focused()

    def storage(self) -> str:
        return str(
            self.page.evaluate(
                "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
            )
        )

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m]

    def axe(self, include: str | None = None) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations on the page as it is now."""
        assert AXE_SOURCE.is_file(), "axe-core is missing: run `make setup` (npm ci in console/)"
        self.page.evaluate(AXE_SOURCE.read_text(encoding="utf-8") + "\n;undefined")
        result = self.page.evaluate(
            """async () => {
                const results = await axe.run(document, {resultTypes: ["violations"]});
                return results.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5)}));
            }"""
        )
        return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def console(browser: Browser, local_server: str) -> Iterator[ConsoleSession]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=local_server)
    page = context.new_page()
    session = ConsoleSession(page, context, local_server, tenant=f"t_{uuid.uuid4().hex[:10]}")

    def on_console(message: ConsoleMessage) -> None:
        session.messages.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: session.errors.append(str(error)))
    session.open()
    try:
        yield session
    finally:
        context.close()
    assert not session.errors, f"the page threw: {session.errors}"


@dataclass
class Api:
    """The API as another client sees it, for setting up and checking behind the page's back."""

    base_url: str
    mint: Callable[..., str]

    def call(self, method: str, path: str, token: str, json: Any = None) -> requests.Response:
        return requests.request(
            method, self.base_url + path, headers={"Authorization": f"Bearer {token}"}, json=json, timeout=30
        )

    def create(self, token: str, name: str, **fields: Any) -> dict[str, Any]:
        response = self.call("POST", "/v1/api-keys", token, {"name": name, **fields})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def get(self, token: str, key_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/v1/api-keys/{key_id}", token)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def token(self, user_id: str, tenant_id: str, roles: Sequence[str] = ()) -> str:
        return self.mint(user_id, tenant_id, roles)


@pytest.fixture
def api(local_server: str, session_token: Callable[..., str]) -> Api:
    return Api(local_server, session_token)
