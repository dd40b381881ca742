"""Sessions read back into radtik: real FreeRADIUS writes radacct from real Accounting-Requests,
the real agent pages them out, and the ingest links each to its voucher and router."""

from __future__ import annotations

import time

import pytest
from django_tenants.utils import schema_context

from accounting import ingest
from accounting.ingest import server_ingest
from accounting.models import AccountingCursor, Session
from radtik.tenancy import tenant_id_for_schema
from tenants.models import Tenant
from tests.accounting.support import router_at, server_on, session_of, voucher_on
from tests.support.events import GroupListener
from tests.support.waiting import wait_for

MAC = "AA:BB:CC:00:11:22"
NAS = {"NAS_Identifier": "hs-router-1", "Calling_Station_Id": MAC}


@pytest.fixture
def alpha(db):
    with schema_context("alpha"):
        yield


def test_a_session_is_read_in_linked_to_its_voucher_and_router_and_a_second_read_changes_nothing(
    alpha, radius_agent, freeradius
):
    agent = radius_agent()
    radius = freeradius(agent)
    server = server_on(agent, radius)
    voucher = voucher_on(server, "ACC1VCH")
    router = router_at("127.0.0.1")
    started = time.time() - 60

    radius.account("ACC1VCH", "Start", "s-1", at=started, Framed_IP_Address="10.5.50.7", **NAS)
    first = server_ingest(server=server)
    assert (first.changed, first.pages) == (1, 1)
    session = session_of("ACC1VCH")
    assert session.is_open and session.stopped_at is None
    assert (session.voucher_id, session.router_id) == (voucher.pk, router.pk)
    assert (session.mac_address, session.framed_ip_address) == (MAC, "10.5.50.7")
    assert session.service == "hotspot" and session.session_id == "s-1"
    assert abs(session.started_at.timestamp() - started) < 2

    # Nothing new on the server: reading again (or the same page again) writes nothing.
    assert server_ingest(server=server).changed == 0
    AccountingCursor.objects.filter(radius_server=server).update(cursor=0)
    assert server_ingest(server=server).changed == 0
    assert Session.objects.get(pk=session.pk).change == session.change

    # An interim update moves it on (Gigawords included); the Stop closes it.
    radius.account("ACC1VCH", "Interim-Update", "s-1", session_time=30,
                   octets=(5 * 2**30, 2_000), at=started + 30, **NAS)  # fmt: skip
    assert server_ingest(server=server).changed == 1
    session.refresh_from_db()
    assert (session.input_octets, session.output_octets) == (5 * 2**30, 2_000)
    assert session.session_time == 30 and session.is_open
    radius.account("ACC1VCH", "Stop", "s-1", session_time=45, octets=(5 * 2**30, 9_000),
                   at=started + 45, Acct_Terminate_Cause="User-Request", **NAS)  # fmt: skip
    stop = server_ingest(server=server, keep=True)
    assert [c.event for c in stop.changes] == ["stopped"]
    session.refresh_from_db()
    assert not session.is_open and session.stopped_at is not None
    assert session.terminate_cause == "User-Request" and session.total_octets == 5 * 2**30 + 9_000
    assert Session.objects.count() == 1


def test_an_ingest_cut_halfway_resumes_from_its_cursor(alpha, radius_agent, freeradius, settings):
    settings.ACCOUNTING_PAGE = 3
    agent = radius_agent()
    radius = freeradius(agent)
    server = server_on(agent, radius)
    for n in range(8):
        radius.account(f"RES{n}", "Start", f"r-{n}", **NAS)

    # The second page's transaction fails (the worker died, the database went away...).
    pages = []

    def dies_on_the_second_page(server, changes):
        pages.append(len(changes))
        if len(pages) == 2:
            raise RuntimeError("worker died")

    ingest.page_hook_add(dies_on_the_second_page)
    try:
        with pytest.raises(RuntimeError):
            server_ingest(server=server)
    finally:
        ingest._page_hooks.remove(dies_on_the_second_page)
    assert Session.objects.count() == 3  # the first page committed with its cursor
    cursor = AccountingCursor.objects.get(radius_server=server)
    assert cursor.cursor == Session.objects.order_by("-change").first().change

    resumed = server_ingest(server=server)
    assert (resumed.changed, resumed.pages) == (5, 2)
    assert sorted(Session.objects.values_list("session_id", flat=True)) == [
        f"r-{n}" for n in range(8)
    ]


def test_sessions_of_a_subscription_and_of_no_one_are_kept_too(alpha, radius_agent, freeradius):
    from tests.support import factories

    agent = radius_agent()
    radius = freeradius(agent)
    server = server_on(agent, radius)
    subscription = factories.subscription()
    subscription.radius_server = server
    subscription.save(update_fields=["radius_server"])
    radius.account(subscription.username, "Start", "sub-1", **NAS)
    radius.account("STRANGER", "Start", "x-1", nas="127.0.0.2")
    server_ingest(server=server)
    mine = session_of(subscription.username)
    assert mine.subscription_id == subscription.pk and mine.voucher_id is None
    assert mine.service == subscription.package.service
    stranger = session_of("STRANGER")
    assert stranger.voucher_id is stranger.subscription_id is stranger.router_id is None


@pytest.fixture
def short_interval(tenants):
    Tenant.objects.filter(slug="alpha").update(accounting_interval=2)
    yield
    Tenant.objects.filter(slug="alpha").update(accounting_interval=10)
    with schema_context("alpha"):  # nothing left to read: the sweep's chain ends
        from radius.models import RadiusServer

        RadiusServer.objects.all().delete()


@pytest.mark.usefixtures("live_db", "qcluster", "short_interval")
def test_the_sweep_reads_every_server_on_the_tenants_interval(radius_agent, freeradius):
    agent = radius_agent()
    radius = freeradius(agent)
    with schema_context("alpha"):
        server = server_on(agent, radius)  # starts the sweep (RadiusServerCreated)
    listener = GroupListener(f"tenant.{tenant_id_for_schema('alpha')}.sessions")
    radius.account("SWEPT1", "Start", "w-1", **NAS)

    def ingested(session_id: str, **state):
        with schema_context("alpha"):
            return Session.objects.filter(session_id=session_id, **state).first()

    wait_for(lambda: ingested("w-1"), timeout=60, what="ingested")
    radius.account("SWEPT1", "Stop", "w-1", session_time=5, **NAS)
    wait_for(lambda: ingested("w-1", is_open=False), timeout=30, what="stopped")
    with listener:  # the pages hear each change
        (started,) = listener.wait_for("SessionsChanged", timeout=30)["payload"]["sessions"]
        assert (started["event"], started["username"], started["is_open"]) == (
            "started",
            "SWEPT1",
            True,
        )
    with schema_context("alpha"):
        cursor = AccountingCursor.objects.get(radius_server=server)
        assert cursor.ingested_at is not None and cursor.last_error == ""
        assert cursor.sessions_changed == 2
