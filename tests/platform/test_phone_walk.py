"""Issue 17's Done-when: the tenant admin, on a 390 px phone, does every daily task through the
pages, never the API (RADIUS server, voucher profile, batch, voucher disable and delete, package,
user, router, settings), seeing each result as a user would; then every page the walk visited
fits 390 px and 1366 px screens (nothing, table or nav, scrolls sideways). One browser, one walk.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django_tenants.utils import schema_context
from playwright.sync_api import Page

from tenants.accounts.models import User
from tests.support.browser import host_url, open_page, overflows
from tests.support.waiting import wait_for

PHONE = {"width": 390, "height": 844}


class Walk:
    """The page and the paths it has shown (each checked to fit the phone's width)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.seen: list[str] = []
        page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions

    def fits(self) -> None:
        path = re.sub(r"^https?://[^/]+", "", self.page.url)
        assert overflows(self.page) <= 0, f"{path} is wider than {PHONE['width']} px"

    def go(self, path: str) -> None:
        """A page read (GET): checked now, and again at desktop width at the end."""
        self.page.goto(path)
        self.fits()
        if path not in self.seen:
            self.seen.append(path)

    def follow(self, link: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("link", name=link, exact=True).first.click()
        self.go(re.sub(r"^https?://[^/]+", "", self.page.url))

    def fill(self, ids: str = "id_%s", **fields: str) -> None:
        for name, value in fields.items():
            selector = "#" + ids % name
            if self.page.eval_on_selector(selector, "el => el.tagName") == "SELECT":
                self.page.select_option(selector, label=value)
            else:
                self.page.fill(selector, value)

    def press(self, button: str) -> None:
        try:
            with self.page.expect_navigation():
                self.page.get_by_role("button", name=button, exact=True).first.click()
        except Exception:
            self.page.screenshot(path=str(_shot_dir() / "walk-failed.png"), full_page=True)
            raise AssertionError(f"{button}: {self.text()[:1500]}") from None
        self.fits()

    def told(self) -> str:
        return (
            self.page.inner_text("ul.messages") if self.page.query_selector("ul.messages") else ""
        )

    def says(self, message: str) -> None:
        """The page's message after a form: what the user reads (else the page, to see why)."""
        assert message in self.told(), self.text()[:1500]

    def reload_until(self, seen: Callable[[str], object], what: str) -> None:
        """What the user does to see a queued job's effect: reload until the page shows it."""

        def shown() -> object:
            self.page.reload()
            return seen(self.text())

        wait_for(shown, timeout=150, what=what)
        self.fits()

    def shows(self, selector: str, text: str, timeout: float = 120_000) -> None:
        """Wait (generously: a loaded machine) for the page to be told `text` over its socket;
        a change made before the socket listened comes by the page's catch-up (static/radtik.js),
        never by a reload."""
        self.page.wait_for_function(
            "([selector, text]) => { const el = document.querySelector(selector);"
            " return !!el && el.textContent.includes(text); }",
            arg=[selector, text],
            timeout=timeout,
        )

    def text(self) -> str:
        return self.page.inner_text("main")


def test_the_tenant_admin_runs_the_account_from_a_phone(
    browser, daphne_server, make_user, qcluster, radius_agent
):
    agent = radius_agent()
    make_user("alpha", "owner", role="admin", is_staff=True)
    page = open_page(browser, host_url(daphne_server, "alpha"), "owner", "correct-horse-9", **PHONE)
    walk = Walk(page)

    # The nav collapses behind a Menu button on a phone, and opens on a tap.
    walk.go("/")
    assert not page.is_visible("#main-nav a[href='/users/']")
    page.click("[data-nav-toggle]")
    assert page.is_visible("#main-nav a[href='/users/']")
    walk.fits()

    # RADIUS server: added (its token shown once), its connection tested as a job.
    walk.go("/radius/")
    walk.follow("+ New RADIUS server")
    walk.fill(name="radius-hq", host="127.0.0.1", api_base_url=agent.url, token=agent.token)
    walk.press("Save")
    assert "RADIUS server radius-hq added" in walk.text()
    walk.press("Test connection")
    walk.shows(".job-status", "Succeeded")

    # Voucher profile: created, edited; packages: created, edited, deleted.
    walk.go("/vouchers/profiles/new/")
    walk.fill(name="1 hour", price="20", time_limit="3600", validity_seconds="86400")
    walk.press("Save")
    assert "1 hour" in walk.text()
    walk.follow("1 hour")
    walk.fill(price="25")
    walk.press("Save")
    walk.says("Profile 1 hour saved.")
    assert "25" in walk.text()

    walk.go("/billing/packages/new/")
    walk.fill(name="Daily", price="50", validity_seconds="86400", radius_server="radius-hq")
    walk.press("Save")
    walk.says("Package Daily created.")
    walk.follow("Daily")
    walk.fill(price="60")
    walk.press("Save")
    walk.says("Package Daily saved.")
    assert "KES 60" in walk.text()
    walk.press("Delete")
    walk.says("Package Daily deleted.")
    assert "No packages yet." in walk.text()

    # A voucher batch from /vouchers/, synced to the server; one voucher disabled, one deleted.
    walk.go("/vouchers/")
    walk.fill(profile="1 hour", radius_server="radius-hq", count="4", prefix="WALK")
    walk.press("Create batch")
    walk.says("4 voucher(s) made")
    walk.shows(".counts", "4 synced")
    batch_page = re.sub(r"^https?://[^/]+", "", page.url)
    first = page.inner_text("tbody tr:first-child code")
    with page.expect_navigation():
        page.click("tbody tr:first-child button:text-is('Disable')")
    walk.says(f"Voucher {first}: disable queued")
    walk.reload_until(lambda text: re.search(rf"{first}\s+Disabled", text), "disabled")
    last = page.inner_text("tbody tr:last-child code")
    with page.expect_navigation():
        page.click("tbody tr:last-child button:text-is('Delete')")
    walk.says(f"Voucher {last}: delete queued")
    walk.reload_until(lambda text: last not in text and first in text, "deleted")
    assert page.url.endswith(batch_page)

    # A batch made while the RADIUS agent is down fails its sync; once it is back, "Retry
    # failed" syncs it. Then that batch is deleted.
    agent.stop()
    walk.go("/vouchers/")
    walk.fill(profile="1 hour", radius_server="radius-hq", count="2", prefix="RETRY")
    walk.press("Create batch")
    walk.reload_until(lambda text: "Retry failed" in text, "the sync failed")
    agent.start()
    walk.press("Retry failed")
    walk.says("Retrying failed vouchers")
    walk.reload_until(lambda text: "2 synced" in text, "the retried batch synced")
    walk.press("Delete batch")
    walk.says("Deleting batch #")

    # The profile is in use: its delete is refused with the reason.
    walk.go("/vouchers/profiles/")
    walk.press("Delete")
    assert "1 hour" in walk.text() and walk.told() != ""
    assert "deleted" not in walk.told()

    # The batch disabled, then deleted (jobs); then the profile goes.
    walk.go(batch_page)
    walk.press("Disable batch")
    walk.says("Disabling batch #")
    walk.reload_until(
        lambda text: re.search(r"WALK\w+\s+Disabled", text)
        and not re.search(r"WALK\w+\s+Unused", text),
        "all disabled",
    )
    walk.press("Delete batch")
    walk.says("Deleting batch #")
    walk.reload_until(lambda text: "No batches yet." in text, "the batch deleted")
    walk.go("/vouchers/profiles/")
    walk.press("Delete")
    walk.says("Profile 1 hour deleted.")

    # Users: one added with a role (its password shown once), its role changed, deactivated.
    walk.go("/users/")
    walk.fill("new_%s", username="cashier", role="Viewer")
    walk.press("Add user")
    assert "cashier added" in walk.text()
    assert len(page.inner_text("#user-password")) >= 12
    walk.follow("cashier's page")
    page.select_option("#id_role", "operator")
    walk.press("Change role")
    walk.says("cashier is now Operator.")
    walk.press("Deactivate")
    walk.says("cashier deactivated.")
    assert page.inner_text("#user-active") == "no"
    with schema_context("alpha"):
        cashier = User.objects.get(username="cashier")
        assert (cashier.role, cashier.is_active) == ("operator", False)

    # Router: added (token shown once), edited, its token rotated, deleted as a job.
    walk.go("/routers/")
    walk.fill("new_%s", name="Walk-1", host="192.0.2.77")
    walk.press("Add router")
    token = page.inner_text("#router-token")
    assert len(token) == 32
    walk.follow("Edit or delete router")
    walk.fill(name="walk-north", host="192.0.2.78")
    walk.press("Save")
    walk.says("Router walk-north saved.")
    assert "192.0.2.78:8728" in walk.text()
    walk.press("Rotate token")
    rotated = page.inner_text("#router-token")
    assert len(rotated) == 32 and rotated != token
    router_page = re.sub(r"rotate-token/$", "", re.sub(r"^https?://[^/]+", "", page.url))
    walk.go(router_page)
    walk.follow("Edit or delete router")
    walk.press("Delete router")
    walk.shows(".job-status", "Succeeded")
    walk.go("/routers/")
    assert "walk-north" not in walk.text() and "No routers yet." in walk.text()

    # Settings: the account's time zone changed.
    walk.go("/settings/")
    walk.fill(time_zone="Africa/Kampala")
    walk.press("Save")
    walk.says("Settings saved.")
    assert page.input_value("#id_time_zone") == "Africa/Kampala"

    # Every page of the walk fits a phone (checked on the way) and a desktop.
    assert len(walk.seen) >= 15
    wide = page.context.browser.new_context(
        base_url=host_url(daphne_server, "alpha"),
        viewport={"width": 1366, "height": 900},
        storage_state=page.context.storage_state(),
    )
    desk = wide.new_page()
    for path in walk.seen:
        if desk.goto(path).status == 404:
            continue  # deleted during the walk (the router's pages)
        assert overflows(desk) <= 0, f"{path} is wider than 1366 px"
    desk.screenshot(path=str(_shot_dir() / "walk-1366.png"), full_page=True)
    page.screenshot(path=str(_shot_dir() / "walk-390.png"), full_page=True)
    wide.close()


def _shot_dir():
    from pathlib import Path

    shots = Path(__file__).resolve().parents[2] / ".data" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    return shots
