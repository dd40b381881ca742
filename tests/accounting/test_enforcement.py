"""Access that ends, ends at the router: a router deployed by the product (its /radius incoming
accepting Disconnect-Requests), vouchers synced by the product's job to the real agent, the real
FreeRADIUS, a simulated MikroTik NAS logging them in, the real cluster ingesting accounting and
running the accounting.disconnect job. Every assertion is what the router (NAS) shows."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pyrad.packet import DisconnectACK, DisconnectRequest

from accounting.models import Session
from radius.choices import COA_PORT
from radtik.audit.models import AuditEntry
from radtik.jobs.models import Job, JobLogLine
from tests.radius.test_nas_end_to_end import (
    deployed_router,
    first_login,
    radius_server_for,
    vouchers_synced,
)
from tests.support.browser import live, wait_for_text
from tests.support.jobs import wait_job
from tests.support.waiting import wait_for
from vouchers.models import Voucher

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")

MB = 10**6


@pytest.fixture
def admin(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "boss", role="admin"))


@pytest.fixture
def operator(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "ops", role="operator"))


@pytest.fixture
def network(admin, routeros_farm, radius_agent, freeradius, simulated_nas):
    """FreeRADIUS + agent as alpha's server, a router deployed on it, its NAS listening for
    Disconnect-Requests where provisioning told the router to (UDP 3799 on its address)."""

    def make(host: str):
        agent = radius_agent()
        radius = freeradius(agent)
        server = radius_server_for(agent, radius)
        sim = deployed_router(admin, routeros_farm, server, host)
        nas = simulated_nas(router=sim, coa_port=COA_PORT)
        return agent, radius, server, nas

    return make


def open_session(username: str) -> Session:
    def found():
        with schema_context("alpha"):
            return Session.objects.filter(username=username, is_open=True).first()

    return wait_for(found, timeout=60, what=f"{username}'s session read in")


def log_of(job: Job) -> str:
    with schema_context("alpha"):
        return "\n".join(JobLogLine.objects.filter(job=job).values_list("message", flat=True))


def disconnect_jobs() -> list[Job]:
    with schema_context("alpha"):
        return list(Job.objects.filter(kind="accounting.disconnect").order_by("id"))


def test_a_kick_ends_a_session_by_disconnect_request_or_else_through_the_api(
    network, admin, operator, make_user, tenant_client
):
    agent, radius, server, nas = network("127.0.0.31")
    voucher, other, dialer = vouchers_synced(admin, server, 3, data_limit=50 * MB)
    login = first_login(nas, voucher, radius)
    session = open_session(voucher.username)

    # A viewer may look, not kick; another account's operator does not even see it.
    viewer = tenant_client("alpha", make_user("alpha", "watcher", role="viewer"))
    assert viewer.post(f"/api/sessions/{session.pk}/kick/").status_code == 403
    stranger = tenant_client("beta", make_user("beta", "ops-b", role="operator"))
    assert stranger.post(f"/api/sessions/{session.pk}/kick/").status_code == 404
    assert nas.sessions() == [login.session]

    answer = operator.post(f"/api/sessions/{session.pk}/kick/")
    assert answer.status_code == 202, answer.content
    assert answer["Location"] == answer.json()["job"]["url"]
    job = wait_job(answer.json()["job"]["id"], timeout=90)
    assert job.status == "succeeded", (job.error, log_of(job))
    assert nas.sessions() == []
    assert (DisconnectRequest, DisconnectACK) in nas.coa.answered
    assert nas.sent[-1][0] == "Stop"
    assert nas.sent[-1][1]["Acct-Terminate-Cause"] == "Admin-Reset"
    assert job.result["via_disconnect_request"] == 1 and job.result["via_api"] == 0
    assert "ended by Disconnect-Request" in log_of(job)
    with schema_context("alpha"):
        assert not Session.objects.get(pk=session.pk).is_open
        assert AuditEntry.objects.filter(action="session.kick", object_id=str(session.pk))
    # A kick is no ban: the voucher logs in again.
    assert nas.login(voucher.username, voucher.password).accepted
    # An ended session can't be kicked again: said in words.
    again = operator.post(f"/api/sessions/{session.pk}/kick/")
    assert again.status_code == 400 and "has ended" in again.json()["detail"]

    # A router whose /radius incoming ignores CoA: every session of the user ends through the
    # RouterOS API instead, and the job log says so.
    nas.accept_coa = False
    assert nas.login(other.username, other.password).accepted
    open_session(other.username)
    answer = operator.post(
        "/api/sessions/kick/", {"username": other.username}, content_type="application/json"
    )
    assert answer.status_code == 202, answer.content
    job = wait_job(answer.json()["job"]["id"], timeout=120)
    assert job.status == "succeeded", (job.error, log_of(job))
    assert [s.username for s in nas.sessions()] == [voucher.username]
    assert job.result["via_api"] == 1 and job.result["via_disconnect_request"] == 0, (
        job.attempts,
        job.result,
        log_of(job),
    )
    log = log_of(job)
    assert "Disconnect-Request to 127.0.0.31:3799: no answer" in log
    assert "ended through the RouterOS API (/ip/hotspot/active remove)" in log
    assert nas.sent[-1][0] == "Stop" and nas.sent[-1][1]["User-Name"] == other.username

    # A router that acknowledges the Disconnect-Request and keeps the user online, with no
    # Stop: the ACK is not taken for the end; the API removes the session.
    def others_closed():
        with schema_context("alpha"):
            return not Session.objects.filter(username=other.username, is_open=True).exists()

    # The API-ended session's Stop read in first: the kick below must name the new one.
    wait_for(others_closed, timeout=60, what=f"{other.username}'s ended session closed")
    nas.accept_coa, nas.keep_on_disconnect = True, True
    assert nas.login(other.username, other.password).accepted
    again = open_session(other.username)
    answer = operator.post(f"/api/sessions/{again.pk}/kick/")
    job = wait_job(answer.json()["job"]["id"], timeout=120)
    assert job.status == "succeeded", (job.error, log_of(job))
    assert [s.username for s in nas.sessions()] == [voucher.username]
    assert job.result["via_api"] == 1 and job.result["via_disconnect_request"] == 0, (
        job.attempts,
        job.result,
        log_of(job),
    )
    assert "acknowledged the Disconnect-Request but sent no Stop" in log_of(job)
    nas.accept_coa, nas.keep_on_disconnect = False, False  # ignoring CoA again
    # A PPPoE session (the router's PPP through RADIUS too) leaves /ppp/active.
    (radius_row,) = nas.router.state.rows("/radius")
    nas.router.state.set_row("/radius", radius_row[".id"], {"service": "hotspot,ppp"})
    nas.router.state.set_singleton("/ppp/aaa", {"use-radius": True, "accounting": True})
    assert nas.login(dialer.username, dialer.password, service="pppoe").accepted
    dialed = open_session(dialer.username)
    answer = operator.post(f"/api/sessions/{dialed.pk}/kick/")
    job = wait_job(answer.json()["job"]["id"], timeout=120)
    assert job.status == "succeeded", (job.error, log_of(job))
    assert "ended through the RouterOS API (/ppp/active remove)" in log_of(job)
    assert [s.username for s in nas.sessions()] == [voucher.username]

    # Nobody to kick: a 400 naming the field.
    none = operator.post(
        "/api/sessions/kick/", {"username": other.username}, content_type="application/json"
    )
    assert none.status_code == 400 and "no open session" in none.json()["username"][0]


def test_a_voucher_valid_a_minute_after_first_use_is_disconnected_and_rejected_after_it(
    network, admin
):
    agent, radius, server, nas = network("127.0.0.32")
    (voucher,) = vouchers_synced(
        admin, server, 1, validity_mode="after_first_use", validity_seconds=60
    )
    first_login(nas, voucher, radius)
    open_session(voucher.username)

    def first_used():
        with schema_context("alpha"):
            return Voucher.objects.filter(pk=voucher.pk, first_used_at__isnull=False).first()

    used = wait_for(first_used, timeout=60, what="the first use read in")
    assert used.status == "active"
    # The minute passes (real time): the next read expires it, and the router drops the user.
    # The NAS drops the session, then sends its Stop: wait for both.
    wait_for(
        lambda: not nas.sessions() and nas.sent[-1][0] == "Stop",
        timeout=180,
        what="the session ended at the router and its Stop sent",
    )
    with schema_context("alpha"):
        assert Voucher.objects.get(pk=voucher.pk).status == "expired"
        assert AuditEntry.objects.filter(action="voucher.expire", object_id=str(voucher.pk))
    (job,) = disconnect_jobs()
    job = wait_job(job.pk, timeout=60)
    assert job.status == "succeeded", (job.error, log_of(job))
    assert job.result["removed_from_radius"] == 1
    assert job.target_repr == voucher.username  # what the job list names it by
    assert "ended by Disconnect-Request" in log_of(job)
    assert agent.call("GET", f"/users/{voucher.username}").status_code == 404
    refused = nas.login(voucher.username, voucher.password)
    assert not refused.accepted and nas.sessions() == []


def test_a_voucher_whose_data_is_used_up_across_sessions_is_ended_and_shows_used_up(network, admin):
    agent, radius, server, nas = network("127.0.0.33")
    (voucher,) = vouchers_synced(admin, server, 1, data_limit=3 * MB, simultaneous_use=2)
    # Two devices on one voucher: each gets the whole remainder, so neither NAS session stops
    # itself at the limit; their sum reaches it.
    one = first_login(nas, voucher, radius)
    two = nas.login(voucher.username, voucher.password, mac="AA:BB:CC:00:00:02")
    assert two.accepted
    nas.set_traffic(one.session, download=20_000)
    nas.set_traffic(two.session, download=20_000)
    nas.advance(121)  # two Interim-Updates each: 2.4 MB each, 4.8 MB in all
    assert len(nas.sessions()) == 2

    wait_for(lambda: not nas.sessions(), timeout=120, what="both sessions ended at the router")
    with schema_context("alpha"):
        used = Voucher.objects.get(pk=voucher.pk)
        assert used.status == "used_up" and used.used_octets >= 3 * MB
        assert AuditEntry.objects.filter(action="voucher.used_up", object_id=str(voucher.pk))
    (job,) = disconnect_jobs()
    job = wait_job(job.pk, timeout=60)
    assert job.status == "succeeded", (job.error, log_of(job))
    assert job.result["ended"] == 2 and job.result["via_disconnect_request"] == 2
    assert not nas.login(voucher.username, voucher.password).accepted


def test_the_online_page_s_kick_button_drops_the_user_live(network, admin, tenant_page):
    agent, radius, server, nas = network("127.0.0.34")
    (voucher,) = vouchers_synced(admin, server, 1, data_limit=50 * MB)
    first_login(nas, voucher, radius)
    session = open_session(voucher.username)
    page = tenant_page("alpha", role="operator")
    page.goto("/sessions/online/")
    live(page)
    row = f"#online-{session.pk}"
    wait_for_text(page, row, voucher.username)

    page.on("dialog", lambda dialog: dialog.accept())  # "Disconnect ...?"
    page.click(f"{row} button:has-text('Kick')")
    wait_for_text(page, "body", f"Disconnecting {voucher.username}")
    live(page)  # the page after the redirect, listening again
    wait_for(lambda: not nas.sessions(), timeout=90, what="the session ended at the router")
    (job,) = disconnect_jobs()
    assert wait_job(job.pk, timeout=60).status == "succeeded", log_of(job)
    with schema_context("alpha"):
        closed = not Session.objects.get(pk=session.pk).is_open
    try:
        # Generous: the push, the fragment's fetch and the swap share two loaded cores.
        page.wait_for_selector(row, state="detached", timeout=90_000)
    except PlaywrightTimeout:
        # Seen in CI twice (1 run in 3-4): say which half failed, the data or the push.
        with schema_context("alpha"):
            closed_now = not Session.objects.get(pk=session.pk).is_open
        raise AssertionError(
            f"the kicked row is still shown; session closed in radtik when the job ended: "
            f"{closed}, 90 s later: {closed_now}; job log:\n{log_of(job)}"
        ) from None
    wait_for_text(page, "#online-summary", "0 online now")


def test_a_kicked_session_whose_stop_is_lost_is_closed_at_radius_and_frees_its_login(
    network, admin, operator
):
    agent, radius, server, nas = network("127.0.0.35")
    (voucher,) = vouchers_synced(admin, server, 1, data_limit=50 * MB, simultaneous_use=1)
    first_login(nas, voucher, radius)
    session = open_session(voucher.username)
    # The router ignores CoA and every Stop it sends is lost: only the API can end the
    # session, and nothing ever tells RADIUS that it ended.
    nas.accept_coa, nas.lose_stops = False, True

    answer = operator.post(f"/api/sessions/{session.pk}/kick/")
    assert answer.status_code == 202, answer.content
    job = wait_job(answer.json()["job"]["id"], timeout=120)
    assert job.status == "succeeded", (job.error, log_of(job))
    assert nas.sessions() == []
    assert job.result["via_api"] == 1, (job.attempts, job.result, log_of(job))
    log = log_of(job)
    assert "ended through the RouterOS API (/ip/hotspot/active remove): no longer active" in log
    assert f"its Stop never came, so RADIUS server {server.name} closed it" in log
    with schema_context("alpha"):
        ended = Session.objects.get(pk=session.pk)
    assert not ended.is_open and ended.terminate_cause == "Admin-Reset"
    # Simultaneous-Use 1: the closed session no longer holds the voucher's one login.
    assert nas.login(voucher.username, voucher.password).accepted
