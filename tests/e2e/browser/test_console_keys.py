"""A person manages their own keys in the console: create with the copy-once dialog, rename, narrow
scopes, suspend and activate, rotate with a grace period, revoke, delete, and read every refusal."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.browser.conftest import Api, ConsoleSession


def test_sign_in_as_a_user_lists_only_their_keys(console: ConsoleSession, api: Api) -> None:
    mine = api.create(api.token("u_ann", console.tenant), "Ann's deploy key", scopes=["read", "write"])
    api.create(api.token("u_bob", console.tenant), "Bob's key")
    console.sign_in("u_ann")
    expect(console.page.get_by_text(f"Signed in as u_ann, tenant {console.tenant}")).to_be_visible()
    row = console.row("Ann's deploy key")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"{mine['prefix']}…{mine['last_four']}")
    expect(row).to_contain_text("read, write")
    expect(row).to_contain_text("Active")  # the status in words, not only a colour
    expect(row.get_by_role("cell").nth(3)).to_have_text("Never")  # expires
    expect(row.get_by_role("cell").nth(4)).to_have_text("Never")  # last used
    expect(console.page.get_by_role("rowheader", name="Bob's key")).to_have_count(0)


def test_create_shows_the_key_once_and_leaves_no_trace(console: ConsoleSession, api: Api) -> None:
    page = console.page
    console.sign_in("u_1")
    page.get_by_role("button", name="Create key").click()
    dialog = console.dialog()
    expect(dialog).to_be_visible()
    dialog.get_by_label("Name", exact=True).fill("CI deploy")
    dialog.get_by_label("Description (optional)").fill("used by the main pipeline")
    dialog.get_by_role("checkbox", name="write").check()
    dialog.get_by_label("Expires").select_option(label="In 30 days")
    dialog.get_by_label("Environment (optional)").fill("env_prod")
    dialog.get_by_role("button", name="Create key").click()

    secret_box = console.dialog().get_by_label("Key for “CI deploy”")
    expect(secret_box).to_be_visible()
    expect(console.dialog()).to_contain_text("shown only once")
    secret = secret_box.input_value()
    assert re.fullmatch(r"ks_[0-9A-Za-z]{49}", secret), secret
    console.dialog().get_by_role("button", name="Copy key").click()
    expect(console.dialog().get_by_role("status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("() => navigator.clipboard.readText()") == secret
    console.dialog().get_by_role("button", name="I have copied it, close").click()
    expect(console.dialog()).to_have_count(0)
    assert console.focused() == "Create key"  # focus is back on the opener

    row = console.row("CI deploy")
    expect(row).to_contain_text("read, write")
    expect(row).to_contain_text("Environment: env_prod")
    expect(row).to_contain_text("used by the main pipeline")
    expect(row.get_by_role("cell").nth(3)).to_contain_text("UTC")
    # the plaintext is nowhere the page can keep it: DOM (shadow roots included), storage,
    # cookies, the address
    assert secret not in console.dom_text()
    assert secret not in page.content()
    assert secret not in console.storage()
    assert not console.context.cookies()
    assert secret not in page.url
    # and the key works: the page showed the real one
    whoami = api.call("GET", "/v1/whoami", secret)
    assert whoami.status_code == 200 and whoami.json()["owner"] == {"type": "user", "id": "u_1"}


def test_create_a_jwt_key_and_see_its_format(console: ConsoleSession, api: Api) -> None:
    console.sign_in("u_1")
    console.page.get_by_role("button", name="Create key").click()
    dialog = console.dialog()
    dialog.get_by_label("Name", exact=True).fill("JWT for partner")
    dialog.get_by_label("Format").select_option(label="JWT (can also be checked offline)")
    dialog.get_by_role("button", name="Create key").click()
    secret = console.dialog().get_by_label("Key for “JWT for partner”").input_value()
    assert re.fullmatch(r"eyJhbGciOiJFUzI1NiIsInR5cCI6ImtzK2p3dCIsImtpZCI6[\w-]*\.[\w-]+\.[\w-]{86}", secret)
    console.dialog().get_by_role("button", name="I have copied it, close").click()
    expect(console.row("JWT for partner")).to_contain_text("JWT")
    assert secret not in console.dom_text()
    assert api.call("GET", "/v1/whoami", secret).status_code == 200


def test_keyboard_alone_signs_in_and_creates_a_key(console: ConsoleSession) -> None:
    keyboard = console.page.keyboard
    console.page.get_by_label("User id", exact=True).focus()
    keyboard.press("Control+A")
    keyboard.type("u_keys")
    keyboard.press("Tab")
    keyboard.press("Control+A")
    keyboard.type(console.tenant)
    keyboard.press("Enter")  # submits the sign-in form
    console.wait_loaded()
    assert console.focused() == "Your API keys"  # focus goes to the list's heading
    keyboard.press("Tab")
    assert console.focused() == "Create key"
    keyboard.press("Enter")
    expect(console.dialog()).to_be_visible()
    assert console.focused() == "Name"  # focus moved into the dialog, on its first field
    keyboard.type("Typed by keyboard")  # the name field has the focus as the dialog opens
    for _ in range(2):  # description, then the first scope ("read", checked by default)
        keyboard.press("Tab")
    keyboard.press("Tab")  # to "write"
    keyboard.press("Space")
    keyboard.press("Enter")  # submits the form from a checkbox
    secret_box = console.dialog().get_by_label("Key for “Typed by keyboard”")
    expect(secret_box).to_be_visible()
    # Tab reaches the close button; Enter closes; focus returns to "Create key"
    for _ in range(6):
        if console.focused() == "I have copied it, close":
            break
        keyboard.press("Tab")
    assert console.focused() == "I have copied it, close"
    keyboard.press("Enter")
    expect(console.dialog()).to_have_count(0)
    assert console.focused() == "Create key"
    expect(console.row("Typed by keyboard")).to_contain_text("read, write")


def test_escape_closes_a_dialog_and_focus_returns(console: ConsoleSession) -> None:
    console.sign_in("u_esc")
    console.page.get_by_role("button", name="Create key").click()
    expect(console.dialog()).to_be_visible()
    console.page.keyboard.press("Escape")
    expect(console.dialog()).to_have_count(0)
    assert console.focused() == "Create key"


def test_rename_and_narrow_scopes(console: ConsoleSession, api: Api) -> None:
    token = api.token("u_2", console.tenant)
    key = api.create(token, "old name", scopes=["read", "write"], description="first")
    console.sign_in("u_2")
    console.row("old name").get_by_role("button", name="Edit old name").click()
    dialog = console.dialog()
    name = dialog.get_by_label("Name", exact=True)
    expect(name).to_have_value("old name")
    expect(dialog.get_by_role("checkbox")).to_have_count(2)  # only the key's own scopes: narrowing only
    name.fill("new name")
    dialog.get_by_role("button", name="Save changes").click()
    expect(console.dialog()).to_have_count(0)
    expect(console.row("new name")).to_contain_text("read, write")
    assert api.get(token, key["id"])["name"] == "new name"

    console.row("new name").get_by_role("button", name="Edit new name").click()
    console.dialog().get_by_role("checkbox", name="write").uncheck()
    console.dialog().get_by_role("button", name="Save changes").click()
    expect(console.dialog()).to_have_count(0)
    expect(console.row("new name").get_by_role("cell").nth(1)).to_have_text("read")
    stored = api.get(token, key["id"])
    assert stored["scopes"] == ["read"] and stored["description"] == "first"


def test_suspend_and_activate_follow_available_actions(console: ConsoleSession, api: Api) -> None:
    token = api.token("u_3", console.tenant)
    key = api.create(token, "pausable")
    console.sign_in("u_3")
    row = console.row("pausable")
    expect(row.get_by_role("button", name="Activate pausable")).to_have_count(0)
    row.get_by_role("button", name="Suspend pausable").click()
    expect(row).to_contain_text("Suspended")
    assert console.focused() == "Edit pausable"  # the Suspend button is gone; its row keeps the focus
    expect(row.get_by_role("button", name="Suspend pausable")).to_have_count(0)
    expect(row.get_by_role("button", name="Rotate pausable")).to_have_count(0)
    assert api.get(token, key["id"])["status"] == "suspended"
    row.get_by_role("button", name="Activate pausable").click()
    expect(row).to_contain_text("Active")
    assert api.get(token, key["id"])["status"] == "active"


def test_rotate_with_a_grace_period(console: ConsoleSession, api: Api) -> None:
    token = api.token("u_4", console.tenant)
    old = api.create(token, "rotating", scopes=["read", "write"])
    console.sign_in("u_4")
    console.row("rotating").get_by_role("button", name="Rotate rotating").click()
    dialog = console.dialog()
    expect(dialog.get_by_role("radio", name=re.compile("^Now"))).to_be_checked()
    # rotating now revokes the old key: the dialog says so and its button names it
    expect(dialog).to_contain_text("The old key is revoked as soon as you rotate")
    expect(dialog.get_by_role("button", name="Rotate and revoke the old key")).to_be_visible()
    dialog.get_by_role("radio", name="In 1 hour").check()
    expect(dialog).not_to_contain_text("The old key is revoked as soon as you rotate")
    dialog.get_by_role("button", name="Rotate key").click()
    secret_box = console.dialog().get_by_label("Key for “rotating”")
    expect(secret_box).to_be_visible()
    new_secret = secret_box.input_value()
    console.dialog().get_by_role("button", name="I have copied it, close").click()
    expect(console.dialog()).to_have_count(0)
    # back in the old key's row once the list is redrawn (its Rotate button is gone)
    assert console.focus_settles_on("Edit rotating") == "Edit rotating"
    assert new_secret not in console.dom_text() and new_secret not in console.storage()

    expect(console.page.get_by_role("rowheader", name="rotating")).to_have_count(2)
    old_now = api.get(token, old["id"])
    assert old_now["status"] == "active" and old_now["rotated_to"] and old_now["expires_at"]
    assert api.call("GET", "/v1/whoami", new_secret).json()["key_id"] == old_now["rotated_to"]
    old_row = console.page.locator(f'tr[data-key-id="{old["id"]}"]')
    expect(old_row.get_by_role("cell").nth(3)).to_contain_text("UTC")  # the grace period's end
    expect(old_row.get_by_role("button", name="Rotate rotating")).to_have_count(0)


def test_revoke_is_confirmed_then_delete(console: ConsoleSession, api: Api) -> None:
    token = api.token("u_5", console.tenant)
    key = api.create(token, "doomed")
    console.sign_in("u_5")
    row = console.row("doomed")
    expect(row.get_by_role("button", name="Delete doomed")).to_have_count(0)  # active keys: no delete
    row.get_by_role("button", name="Revoke doomed").click()
    dialog = console.dialog()
    expect(dialog).to_contain_text("cannot be undone")
    assert console.focused() == "Cancel"  # the safe choice has the focus
    dialog.get_by_role("button", name="Cancel").click()
    expect(console.dialog()).to_have_count(0)
    assert console.focused() == "Revoke doomed"
    assert api.get(token, key["id"])["status"] == "active"

    row.get_by_role("button", name="Revoke doomed").click()
    console.dialog().get_by_role("button", name="Revoke key").click()
    expect(row).to_contain_text("Revoked")
    assert console.focused() == "Delete doomed"  # the keyboard's place stays in the key's row
    assert api.get(token, key["id"])["status"] == "revoked"
    expect(row.get_by_role("button", name="Edit doomed")).to_have_count(0)

    row.get_by_role("button", name="Delete doomed").click()
    console.dialog().get_by_role("button", name="Delete key").click()
    expect(console.page.get_by_role("rowheader", name="doomed")).to_have_count(0)
    assert console.focused() == "Create key"  # its row is gone
    assert api.call("GET", f"/v1/api-keys/{key['id']}", token).status_code == 404


def test_a_conflict_is_shown_in_words(console: ConsoleSession, api: Api) -> None:
    """The key changes behind the page's back; the page's action answers 409 and says why."""
    token = api.token("u_6", console.tenant)
    key = api.create(token, "raced")
    console.sign_in("u_6")
    row = console.row("raced")
    expect(row.get_by_role("button", name="Suspend raced")).to_be_visible()
    assert api.call("POST", f"/v1/api-keys/{key['id']}/suspend", token).status_code == 200
    row.get_by_role("button", name="Suspend raced").click()
    alert = console.page.get_by_role("alert").filter(has_text="Conflict")
    expect(alert).to_contain_text("Conflict: The key is suspended")
    expect(row).to_contain_text("Suspended")  # the list was read again
    expect(row.get_by_role("button", name="Activate raced")).to_be_visible()


def test_a_validation_error_is_shown_in_words(console: ConsoleSession) -> None:
    console.sign_in("u_7")
    console.page.get_by_role("button", name="Create key").click()
    dialog = console.dialog()
    dialog.get_by_label("Name", exact=True).fill("   ")
    dialog.get_by_role("button", name="Create key").click()
    alert = dialog.get_by_role("alert")
    expect(alert).to_contain_text("Validation error")
    expect(alert).to_contain_text("Name:")
    expect(dialog.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    dialog.get_by_label("Name", exact=True).fill("fixed")
    dialog.get_by_role("button", name="Create key").click()
    expect(console.dialog().get_by_label("Key for “fixed”")).to_be_visible()


def test_paging_with_next_cursor(console: ConsoleSession, api: Api) -> None:
    token = api.token("u_8", console.tenant)
    for index in range(23):
        api.create(token, f"bulk {index:02d}")
    console.sign_in("u_8")
    rows = console.page.get_by_role("rowheader")
    expect(rows).to_have_count(20)
    expect(console.page.get_by_role("rowheader", name="bulk 22")).to_have_count(1)  # newest first
    previous = console.page.get_by_role("button", name="Previous page")
    expect(previous).to_be_disabled()
    console.page.get_by_role("button", name="Next page").click()
    expect(rows).to_have_count(3)
    expect(console.page.get_by_role("rowheader", name="bulk 00")).to_have_count(1)
    expect(console.page.get_by_text("Page 2", exact=True)).to_be_visible()
    expect(console.page.get_by_role("button", name="Next page")).to_be_disabled()
    previous.click()
    expect(rows).to_have_count(20)


def test_an_expired_session_is_said_and_asks_to_sign_in_again(console: ConsoleSession) -> None:
    console.sign_in("u_9")
    console.page.evaluate(
        "() => { document.querySelector('keysmith-tokens').getToken = () => 'not-a-session'; }"
    )
    expect(console.page.get_by_text("Your session has ended or was refused: sign in again.")).to_be_visible()
    expect(console.page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(console.tokens).to_have_count(0)


def test_no_content_security_policy_violation(console: ConsoleSession, api: Api) -> None:
    api.create(api.token("u_csp", console.tenant), "csp check")
    console.sign_in("u_csp")
    console.page.get_by_role("button", name="Create key").click()
    expect(console.dialog()).to_be_visible()
    console.page.keyboard.press("Escape")
    assert not console.csp_violations(), console.csp_violations()
    assert not [m for m in console.messages if m.startswith("error")], console.messages


def test_a_refused_sign_in_is_shown_in_words(console: ConsoleSession) -> None:
    console.page.get_by_label("User id", exact=True).fill("u_1")
    console.page.get_by_label("Tenant", exact=True).fill("not a tenant!")
    console.page.get_by_role("button", name="Sign in").click()
    alert = console.page.get_by_role("alert")
    expect(alert).to_contain_text("Validation error")
    expect(alert).to_contain_text("Tenant: Letters, digits")
    expect(console.tokens).to_have_count(0)


def test_a_new_user_is_told_there_are_no_keys_yet(console: ConsoleSession) -> None:
    console.sign_in("u_new")
    expect(console.page.get_by_text("No keys yet.")).to_be_visible()
    expect(console.page.get_by_role("button", name="Next page")).to_be_disabled()


def test_rotate_now_revokes_the_old_key(console: ConsoleSession, api: Api) -> None:
    token = api.token("u_now", console.tenant)
    old = api.create(token, "replaced at once")
    console.sign_in("u_now")
    console.row("replaced at once").get_by_role("button", name="Rotate replaced at once").click()
    console.dialog().get_by_role("button", name="Rotate and revoke the old key").click()
    expect(console.dialog().get_by_label("Key for “replaced at once”")).to_be_visible()
    console.dialog().get_by_role("button", name="I have copied it, close").click()
    expect(console.page.locator(f'tr[data-key-id="{old["id"]}"]')).to_contain_text("Revoked")
    assert api.get(token, old["id"])["status"] == "revoked"
