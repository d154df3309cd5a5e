"""An admin sees and manages every key of their tenant, filtered by owner, environment and status."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.browser.conftest import Api, ConsoleSession


def test_admin_sees_the_tenant_and_filters_it(console: ConsoleSession, api: Api) -> None:
    tenant = console.tenant
    admin = api.token("u_admin", tenant, ["admin"])
    api.create(api.token("u_a", tenant), "a prod key", environment_id="env_prod")
    b_key = api.create(api.token("u_b", tenant), "b key")
    api.create(admin, "billing robot", service_account_id="sa_billing")
    api.create(api.token("u_other", "t_elsewhere"), "another tenant's key")
    assert api.call("POST", f"/v1/api-keys/{b_key['id']}/suspend", admin).status_code == 200

    console.sign_in("u_admin", admin=True)
    page = console.page
    names = page.get_by_role("rowheader").locator(".name")
    expect(names).to_have_count(3)
    expect(page.get_by_role("columnheader", name="Owner")).to_be_visible()
    expect(console.row("billing robot")).to_contain_text("Service account sa_billing")
    expect(console.row("b key")).to_contain_text("User u_b")
    expect(page.get_by_role("rowheader", name="another tenant's key")).to_have_count(0)

    def apply(**choices: str) -> None:
        page.get_by_label("Status", exact=True).select_option(choices.get("status", ""))
        page.get_by_label("Environment", exact=True).fill(choices.get("environment", ""))
        page.get_by_label("Owner type", exact=True).select_option(choices.get("owner_type", ""))
        page.get_by_label("Owner id", exact=True).fill(choices.get("owner_id", ""))
        page.get_by_role("button", name="Apply filters").click()

    apply(owner_type="service_account")
    expect(names).to_have_text(["billing robot"])
    apply(owner_type="user", owner_id="u_b")
    expect(names).to_have_text(["b key"])
    apply(environment="env_prod")
    expect(names).to_have_text(["a prod key"])
    apply(status="suspended")
    expect(names).to_have_text(["b key"])
    apply(status="revoked")
    expect(page.get_by_text("No keys match these filters.")).to_be_visible()
    apply()
    expect(names).to_have_count(3)


def test_admin_acts_on_another_users_key_and_creates_a_service_account_key(
    console: ConsoleSession, api: Api
) -> None:
    tenant = console.tenant
    user_token = api.token("u_c", tenant)
    key = api.create(user_token, "c key")
    console.sign_in("u_admin", admin=True)
    console.row("c key").get_by_role("button", name="Suspend c key").click()
    expect(console.row("c key")).to_contain_text("Suspended")
    assert api.get(user_token, key["id"])["status"] == "suspended"

    console.page.get_by_role("button", name="Create key").click()
    dialog = console.dialog()
    dialog.get_by_label("Name", exact=True).fill("deploy robot")
    dialog.get_by_label("Service account (optional)").fill("sa_deploy")
    dialog.get_by_role("button", name="Create key").click()
    expect(console.dialog().get_by_label("Key for “deploy robot”")).to_be_visible()
    console.dialog().get_by_role("button", name="I have copied it, close").click()
    expect(console.row("deploy robot")).to_contain_text("Service account sa_deploy")


def test_a_user_sees_no_owner_filters(console: ConsoleSession) -> None:
    console.sign_in("u_plain")
    expect(console.page.get_by_label("Owner type", exact=True)).to_have_count(0)
    expect(console.page.get_by_role("columnheader", name="Owner")).to_have_count(0)
    expect(console.page.get_by_label("Status", exact=True)).to_be_visible()
