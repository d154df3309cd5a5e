"""axe-core (from npm, console/package.json) finds no serious or critical violation on the sign-in,
the list, and each dialog; every control has an accessible name."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.browser.conftest import Api, ConsoleSession


def test_sign_in_page_has_no_serious_violation(console: ConsoleSession) -> None:
    assert console.axe() == []


def test_list_and_dialogs_have_no_serious_violation(console: ConsoleSession, api: Api) -> None:
    token = api.token("u_axe", console.tenant)
    api.create(token, "active one", scopes=["read", "write"], description="described")
    suspended = api.create(token, "suspended one")
    revoked = api.create(token, "revoked one")
    api.call("POST", f"/v1/api-keys/{suspended['id']}/suspend", token)
    api.call("POST", f"/v1/api-keys/{revoked['id']}/revoke", token)
    console.sign_in("u_axe")
    expect(console.page.get_by_role("rowheader")).to_have_count(3)
    assert console.axe() == [], "the list"

    console.page.get_by_role("button", name="Create key").click()
    expect(console.dialog()).to_be_visible()
    assert console.axe() == [], "the create dialog"
    console.dialog().get_by_label("Name", exact=True).fill("for the copy-once dialog")
    console.dialog().get_by_role("button", name="Create key").click()
    expect(console.dialog().get_by_role("button", name="Copy key")).to_be_visible()
    assert console.axe() == [], "the copy-once dialog"
    console.dialog().get_by_role("button", name="I have copied it, close").click()

    console.row("active one").get_by_role("button", name="Rotate active one").click()
    assert console.axe() == [], "the rotate dialog"
    console.page.keyboard.press("Escape")
    console.row("revoked one").get_by_role("button", name="Delete revoked one").click()
    assert console.axe() == [], "the confirmation dialog"


def test_every_control_is_labelled(console: ConsoleSession, api: Api) -> None:
    api.create(api.token("u_names", console.tenant), "named")
    console.sign_in("u_names", admin=True)
    console.page.get_by_role("button", name="Create key").click()
    unnamed = console.page.evaluate(
        """() => {
            const found = [];
            const walk = (root) => {
                for (const el of root.querySelectorAll("button, input, select, textarea")) {
                    const labelled = el.getAttribute("aria-label") || (el.labels && el.labels.length)
                        || (el.tagName === "BUTTON" && el.textContent.trim());
                    if (!labelled) found.push(el.outerHTML);
                }
                for (const el of root.querySelectorAll("*")) if (el.shadowRoot) walk(el.shadowRoot);
            };
            walk(document);
            return found;
        }"""
    )
    assert unnamed == []
