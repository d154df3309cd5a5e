"""The README's pictures of the console, taken in chromium against a throwaway local server.

    make console-screenshots     # or: .venv/bin/python -m tests.e2e.browser.screenshots

Writes docs/console-list.png (a user's keys in every status) and docs/console-new-key.png (the
copy-once dialog). The server runs on an in-memory DynamoDB Local, so the key in the picture
never existed anywhere else.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

from tests.conftest import run_local_server
from tests.e2e.browser.conftest import CHROMIUM, ROOT

DOCS = ROOT / "docs"
LIST_PICTURE = DOCS / "console-list.png"
DIALOG_PICTURE = DOCS / "console-new-key.png"
USER, TENANT = "u_ada", "acme"
DAY = 86400 * 30  # a month


def seed(api: str) -> None:
    token = requests.post(
        f"{api}/_local/sessions", json={"user_id": USER, "tenant_id": TENANT}, timeout=10
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}

    def create(name: str, **fields: object) -> tuple[str, str]:
        body = {"name": name, **fields}
        response = requests.post(f"{api}/v1/api-keys", headers=headers, json=body, timeout=10)
        response.raise_for_status()
        return str(response.json()["id"]), str(response.json()["key"])

    old_laptop, _ = create("Old laptop", scopes=["read"])
    requests.post(f"{api}/v1/api-keys/{old_laptop}/revoke", headers=headers, timeout=10).raise_for_status()
    paused, _ = create("Nightly export", scopes=["read"], description="paused during the migration")
    requests.post(f"{api}/v1/api-keys/{paused}/suspend", headers=headers, timeout=10).raise_for_status()
    create("Staging deploy", scopes=["read", "write"], environment_id="env_staging", expires_in_seconds=DAY)
    _, used = create("CI deploy", scopes=["read", "write"], description="GitHub Actions, main branch")
    # a call made with the key itself records its last use
    whoami = requests.get(f"{api}/v1/whoami", headers={"Authorization": f"Bearer {used}"}, timeout=10)
    whoami.raise_for_status()


def main() -> int:
    with (
        tempfile.TemporaryDirectory() as data_dir,
        run_local_server(Path(data_dir), ["--in-memory"]) as server,
    ):
        seed(server.url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 560}, device_scale_factor=1)
            page.goto(f"{server.url}/console")
            page.get_by_label("User id", exact=True).fill(USER)
            page.get_by_label("Tenant", exact=True).fill(TENANT)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("rowheader", name="CI deploy").first.wait_for()
            page.mouse.move(0, 0)
            page.screenshot(path=str(LIST_PICTURE))

            page.get_by_role("button", name="Create key").click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_label("Name", exact=True).fill("Release bot")
            dialog.get_by_role("checkbox", name="write").check()
            dialog.get_by_label("Expires").select_option(label="In 90 days")
            dialog.get_by_role("button", name="Create key").click()
            page.get_by_role("button", name="Copy key").wait_for()
            page.screenshot(path=str(DIALOG_PICTURE))
            browser.close()
    for picture in (LIST_PICTURE, DIALOG_PICTURE):
        print(f"wrote {picture.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
