"""Online users and session history: the API (filters, order, counts, schema, roles, tenants), the
pages (what a row shows, in the account's time zone) and the rows pushed to them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from accounting.choices import EVENT_CHUNK, SESSIONS_TOPIC
from accounting.ingest import sessions_publish
from accounting.models import Session
from radtik.events import publish
from radtik.realtime.fragments import fragment_render
from radtik.tenancy import tenant_id_for_schema
from tests.accounting.support import change_of
from tests.support import factories
from tests.support.events import GroupListener

pytestmark = pytest.mark.django_db
NAIROBI = ZoneInfo("Africa/Nairobi")


@pytest.fixture
def viewer(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "watcher", role="viewer"))


@pytest.fixture
def rows():
    """Two routers; alice and bob online on r1, carol on r2 (PPPoE), dave's session closed."""
    with schema_context("alpha"):
        server = factories.radius_server()
        r1, r2 = factories.router(), factories.router()
        voucher = factories.voucher()
        at = datetime(2026, 12, 1, 9, 0, tzinfo=NAIROBI)
        made = {
            "alice": factories.session(server=server, router_=r1, username="alice",
                                       voucher=voucher, started_at=at, session_time=3725,
                                       input_octets=2048, output_octets=5 * 2**20),
            "bob": factories.session(server=server, router_=r1, username="bob",
                                     started_at=at + timedelta(minutes=5)),
            "carol": factories.session(server=server, router_=r2, username="carol",
                                       service="pppoe", started_at=at + timedelta(minutes=10)),
            "dave": factories.session(server=server, router_=r1, username="dave", open_=False,
                                      started_at=at - timedelta(days=1)),
        }  # fmt: skip
        return {"r1": r1, "r2": r2, "voucher": voucher, **made}


def _names(body) -> list[str]:
    return [s["username"] for s in body["results"]]


def test_the_api_filters_sessions_by_router_user_state_and_start(viewer, rows):
    assert _names(viewer.get("/api/sessions/").json()) == ["carol", "bob", "alice", "dave"]
    assert _names(viewer.get("/api/sessions/?open=true").json()) == ["carol", "bob", "alice"]
    assert _names(viewer.get("/api/sessions/?open=false").json()) == ["dave"]
    body = viewer.get(f"/api/sessions/?router={rows['r1'].pk}&open=true").json()
    assert (body["count"], _names(body)) == (2, ["bob", "alice"])
    assert _names(viewer.get("/api/sessions/?username=carol").json()) == ["carol"]
    window = "started_after=2026-12-01T09:01:00%2B03:00&started_before=2026-12-01T09:10:00%2B03:00"
    assert _names(viewer.get(f"/api/sessions/?{window}").json()) == ["bob"]
    assert _names(viewer.get("/api/sessions/?ordering=started").json()) == [
        "dave", "alice", "bob", "carol"
    ]  # fmt: skip
    alice = viewer.get(f"/api/sessions/{rows['alice'].pk}/").json()
    assert alice["voucher"] == rows["voucher"].pk and alice["router_name"] == rows["r1"].name
    assert (alice["input_octets"], alice["output_octets"]) == (2048, 5 * 2**20)


@pytest.mark.parametrize(
    "query, field",
    [("router=first", "router"), ("started_after=yesterday", "started_after"),
     ("ordering=input_octets", "ordering")],
)  # fmt: skip
def test_a_bad_filter_is_a_400_naming_its_field(viewer, rows, query, field):
    response = viewer.get(f"/api/sessions/?{query}")
    assert response.status_code == 400 and field in response.json()
    assert viewer.get(f"/sessions/?{query}").status_code == 400


def test_online_now_counts_the_account_and_each_router(viewer, rows):
    body = viewer.get("/api/sessions/online/").json()
    assert (body["total"], body["hotspot"], body["pppoe"]) == (3, 2, 1)
    per_router = {r["name"]: (r["total"], r["hotspot"], r["pppoe"]) for r in body["routers"]}
    assert per_router == {rows["r1"].name: (2, 2, 0), rows["r2"].name: (1, 0, 1)}


def test_another_account_sees_none_of_these_sessions(rows, make_user, tenant_client):
    beta = tenant_client("beta", make_user("beta", "other", role="admin"))
    assert beta.get("/api/sessions/").json()["count"] == 0
    assert beta.get(f"/api/sessions/{rows['alice'].pk}/").status_code == 404
    assert beta.get("/api/sessions/online/").json()["total"] == 0
    assert "alice" not in beta.get("/sessions/online/").content.decode()
    assert tenant_client("alpha").get("/api/sessions/").status_code in (401, 403)
    assert tenant_client("alpha").get("/sessions/online/").status_code == 302  # to the login


def test_the_schema_documents_the_session_filters_and_online_counts(viewer):
    paths = viewer.get("/api/schema/?format=json").json()["paths"]
    params = {p["name"] for p in paths["/api/sessions/"]["get"]["parameters"]}
    expected = {"router", "username", "open", "started_after", "started_before", "ordering"}
    assert expected | {"limit", "offset"} <= params
    online = paths["/api/sessions/online/"]["get"]
    assert "limit" not in {p["name"] for p in online.get("parameters", [])}


def test_the_online_page_shows_who_is_online_in_the_accounts_time_zone(viewer, rows):
    page = viewer.get("/sessions/online/").content.decode()
    assert "dave" not in page and all(n in page for n in ("alice", "bob", "carol"))
    alice = page[page.index(f'id="online-{rows["alice"].pk}"') :].split("</tr>")[0]
    assert rows["alice"].mac_address in alice and rows["alice"].framed_ip_address in alice
    assert "2026-12-01 09:00:00" in alice  # Nairobi, the account's zone (06:00 UTC)
    assert "01:02:05" in alice and "2.0\xa0KB" in alice and "5.0\xa0MB" in alice
    assert f"/vouchers/batches/{rows['voucher'].batch_id}/?username=alice" in alice
    assert "<strong>3</strong> online now" in page and 'id="online-rows"' in page
    # A router's own first page takes its new sessions too; other filters only update rows.
    by_router = viewer.get(f"/sessions/online/?router={rows['r2'].pk}").content.decode()
    assert f'id="online-rows-router-{rows["r2"].pk}"' in by_router and "alice" not in by_router
    assert 'id="online-rows-page"' in viewer.get("/sessions/online/?service=pppoe").content.decode()


def test_the_history_lists_closed_sessions_too(viewer, rows):
    page = viewer.get("/sessions/").content.decode()
    assert all(n in page for n in ("alice", "dave")) and 'id="session-rows"' in page
    closed = viewer.get("/sessions/?open=false").content.decode()
    assert "dave" in closed and "alice" not in closed


def _message(changes: list[tuple[Session, str]]) -> dict:
    return {
        "schema": "alpha",
        "topic": SESSIONS_TOPIC,
        "event": "SessionsChanged",
        "payload": {"sessions": [{"id": s.pk, "event": e} for s, e in changes]},
    }


def test_a_pushed_change_adds_updates_and_drops_rows(rows):
    with schema_context("alpha"):
        Session.objects.filter(pk=rows["bob"].pk).update(session_time=90)
        Session.objects.filter(pk=rows["carol"].pk).update(is_open=False)
        summary, new, changed = fragment_render(
            _message([(rows["alice"], "started"), (rows["bob"], "updated"),
                      (rows["carol"], "stopped")])
        )  # fmt: skip
    assert "<strong>2</strong> online now" in summary and 'hx-swap-oob="true"' in summary
    # New: on top of the online list (and its router's) and of the history, one frame.
    assert new.startswith("<tbody") and "<tr hx-swap-oob" not in new
    assert f"afterbegin:#online-rows, #online-rows-router-{rows['r1'].pk}" in new
    assert "afterbegin:#session-rows" in new and new.count("alice") >= 2
    # Changed: bob in place (time moved on); carol dropped from the online list, kept in history.
    assert changed.startswith("<tr") and "<tbody" not in changed
    assert f'<tr id="online-{rows["bob"].pk}" hx-swap-oob="true">' in changed
    assert "00:01:30" in changed
    assert f'<tr id="online-{rows["carol"].pk}" hx-swap-oob="delete"></tr>' in changed
    assert f'<tr id="session-{rows["carol"].pk}" hx-swap-oob="true">' in changed
    # Interim updates alone change no count: no summary frame (nor an empty one is sent).
    with schema_context("alpha"):
        assert fragment_render(_message([(rows["bob"], "updated")]))[:2] == ["", ""]


def test_a_big_ingest_page_goes_out_as_a_few_events(rows, django_capture_on_commit_callbacks):
    group = f"tenant.{tenant_id_for_schema('alpha')}.{SESSIONS_TOPIC}"
    with GroupListener(group) as heard, schema_context("alpha"):
        alice = rows["alice"]
        with django_capture_on_commit_callbacks(execute=True):
            sessions_publish([change_of(alice, "updated")] * 1000)
            publish(tenant_id_for_schema("alpha"), SESSIONS_TOPIC, "test.end")
        heard.wait_for("test.end")
    sent = [m for m in heard.received if m["event"] == "SessionsChanged"]
    assert (
        len(sent) == 1000 // EVENT_CHUNK
        and sum(len(m["payload"]["sessions"]) for m in sent) == 1000
    )


def test_the_whole_historys_count_is_kept_by_the_table_and_filters_still_count(rows, viewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with schema_context("alpha"):
        factories.session()
        Session.objects.filter(username="dave").delete()  # as retention prunes
        with CaptureQueriesContext(connection) as counted:
            assert Session.objects.count() == 4
        assert "accounting_sessioncount" in counted.captured_queries[0]["sql"]
        assert Session.objects.filter(is_open=True).count() == 4
    assert viewer.get("/api/sessions/").json()["count"] == 4
    assert viewer.get("/api/sessions/?username=alice").json()["count"] == 1
    assert "4 in all" in viewer.get("/sessions/").content.decode()
