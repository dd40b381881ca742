"""The online-users page in a real browser: a session FreeRADIUS accounts (real Accounting-Requests,
read in by the ingest in this test's process, so its events cross Redis) appears without a
reload, its interim update moves it on in place, its stop removes it; idle, the page asks
nothing."""

from __future__ import annotations

from django.db import transaction
from django_tenants.utils import schema_context

from accounting.ingest import server_ingest, sessions_publish
from accounting.tasks import DisconnectSessions
from radtik.jobs.models import Job
from radtik.lists import PAGE_SIZE
from tests.accounting.support import change_of, router_at, server_on, session_of, voucher_on
from tests.support import factories
from tests.support.browser import live, requests_while_idle, wait_for_text

IDLE_SECONDS = 5
MAC = "AA:BB:CC:00:77:01"
NAS = {"NAS_Identifier": "hs-router-1", "Calling_Station_Id": MAC}


def test_a_new_session_appears_updates_and_goes_at_its_stop(tenant_page, radius_agent, freeradius):
    agent = radius_agent()
    radius = freeradius(agent)
    with schema_context("alpha"):
        server = server_on(agent, radius)
        voucher_on(server, "LIVE1VCH")
        router = router_at("127.0.0.1")
    page = tenant_page("alpha", role="viewer")
    page.goto("/sessions/online/")
    live(page)
    assert page.is_visible("text=No one is online.")

    def ingest() -> None:
        with schema_context("alpha"):
            server_ingest(server=server)

    radius.account("LIVE1VCH", "Start", "live-1", Framed_IP_Address="10.5.50.9", **NAS)
    ingest()
    with schema_context("alpha"):
        session = session_of("LIVE1VCH")
    row = f"#online-{session.pk}"
    wait_for_text(page, row, "LIVE1VCH")
    shown = page.inner_text(row)
    assert MAC in shown and "10.5.50.9" in shown and router.name in shown and "voucher" in shown
    wait_for_text(page, "#online-summary", "1 online now")
    assert not page.is_visible("text=No one is online.")

    radius.account("LIVE1VCH", "Interim-Update", "live-1", session_time=75,
                   octets=(3_000, 2 * 2**20), **NAS)  # fmt: skip
    ingest()
    wait_for_text(page, row, "00:01:15")
    assert "2.0\xa0MB" in page.inner_text(row)

    radius.account("LIVE1VCH", "Stop", "live-1", session_time=80, octets=(3_000, 2 * 2**20),
                   Acct_Terminate_Cause="User-Request", **NAS)  # fmt: skip
    ingest()
    page.wait_for_selector(row, state="detached")
    wait_for_text(page, "#online-summary", "0 online now")
    assert page.is_visible("text=No one is online.")
    assert requests_while_idle(page, IDLE_SECONDS) == []


def test_a_burst_of_new_sessions_keeps_the_page_to_one_page_of_rows(tenant_page):
    page = tenant_page("alpha", role="viewer")
    page.goto("/sessions/online/")
    live(page)
    with schema_context("alpha"):
        server = factories.radius_server()
        made = [factories.session(server=server) for _ in range(PAGE_SIZE + 5)]
        with transaction.atomic():  # as an ingest page sends them: on its commit
            sessions_publish([change_of(s, "started") for s in made])
    wait_for_text(page, "#online-summary", f"{PAGE_SIZE + 5} online now")
    page.wait_for_selector(f"#online-{made[-1].pk}")
    assert page.locator("#online-rows > tr:not(.empty)").count() == PAGE_SIZE
    assert page.locator(f"#online-{made[0].pk}").count() == 0  # the oldest fell off the bottom


def test_an_operator_kicks_a_pushed_row_and_every_session_of_its_user(tenant_page):
    page = tenant_page("alpha", role="operator")
    page.on("dialog", lambda dialog: dialog.accept())  # the button asks first
    page.goto("/sessions/online/")
    live(page)
    with schema_context("alpha"):
        server, router = factories.radius_server(), factories.router()
        first, second = (factories.session(server=server, router_=router, username="KICK1")
                         for _ in range(2))  # fmt: skip
        with transaction.atomic():
            sessions_publish([change_of(first, "started"), change_of(second, "started")])
    page.wait_for_selector(f"#online-{first.pk} button:has-text('Kick')")
    with page.expect_navigation():
        page.click(f"#online-{first.pk} button:has-text('Kick')")  # its token: the page's
    assert "Disconnecting KICK1 (job #" in page.inner_text(".messages")
    page.click(f"#online-{first.pk} a:has-text('KICK1')")
    wait_for_text(page, "main", "2 sessions of KICK1 online")
    with page.expect_navigation():
        page.click("button:has-text('Kick all')")
    assert "Disconnecting every session of KICK1" in page.inner_text(".messages")
    with schema_context("alpha"):
        asked = [job.params["sessions"] for job in Job.objects.filter(kind=DisconnectSessions.name)]
    assert sorted(asked) == [[first.pk], sorted([first.pk, second.pk])]
