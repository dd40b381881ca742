"""What sessions do to vouchers and subscriptions: first use, used up, expired after first use,
usage; each transition one audited call with its event. Real FreeRADIUS accounting, real agent."""

from __future__ import annotations

import time

import pytest
from django_tenants.utils import schema_context

from accounting.ingest import server_ingest
from accounting.ingest_sweep import server_cycle
from radtik.audit.models import AuditEntry
from radtik.events import publish
from radtik.tenancy import tenant_id_for_schema
from tests.accounting.support import server_on, voucher_on
from tests.support import factories
from tests.support.events import GroupListener

MB = 10**6


@pytest.fixture
def alpha(db):
    with schema_context("alpha"):
        yield


@pytest.fixture
def setup(alpha, radius_agent, freeradius):
    agent = radius_agent()
    radius = freeradius(agent)
    return radius, server_on(agent, radius)


def trail(voucher) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(voucher.pk), action__startswith="voucher.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_the_first_login_makes_a_voucher_active_with_its_validity_from_then(
    setup, django_capture_on_commit_callbacks
):
    radius, server = setup
    voucher = voucher_on(server, "FIRST1", validity_seconds=3600)
    started = time.time() - 30
    listener = GroupListener(f"tenant.{tenant_id_for_schema('alpha')}.vouchers")
    with listener:
        with django_capture_on_commit_callbacks(execute=True):
            radius.account("FIRST1", "Start", "f-1", at=started)
            server_ingest(server=server)
        (event,) = listener.wait_for("VouchersActivated")["payload"]["vouchers"]
    voucher.refresh_from_db()
    assert voucher.status == "active"
    assert abs(voucher.first_used_at.timestamp() - started) < 2
    assert voucher.expires_at.timestamp() == pytest.approx(started + 3600, abs=2)
    assert event["voucher"]["username"] == "FIRST1" and event["status"] == "active"
    # Later sessions and re-reads never move the first use.
    radius.account("FIRST1", "Start", "f-2")
    server_ingest(server=server)
    voucher.refresh_from_db()
    assert abs(voucher.first_used_at.timestamp() - started) < 2
    assert trail(voucher) == ["voucher.first_use"]


def test_a_voucher_whose_data_is_gone_is_used_up_counting_every_session(setup):
    radius, server = setup
    voucher = voucher_on(server, "DATA1", data_limit=3 * MB)
    radius.account("DATA1", "Start", "d-1")
    radius.account("DATA1", "Stop", "d-1", session_time=100, octets=(100_000, 1_900_000))
    radius.account("DATA1", "Start", "d-2")
    server_ingest(server=server)
    voucher.refresh_from_db()
    assert (voucher.status, voucher.used_octets, voucher.used_seconds) == ("active", 2 * MB, 100)

    radius.account("DATA1", "Interim-Update", "d-2", session_time=50, octets=(0, 1_000_000))
    server_ingest(server=server)
    voucher.refresh_from_db()
    assert voucher.status == "used_up" and voucher.used_octets == 3 * MB
    assert trail(voucher) == ["voucher.first_use", "voucher.used_up"]
    entry = AuditEntry.objects.get(object_id=str(voucher.pk), action="voucher.used_up")
    assert "data is used up" in entry.changes["reason"]


def test_a_voucher_with_its_time_gone_is_used_up(setup):
    radius, server = setup
    voucher = voucher_on(server, "TIME1", time_limit=600)
    radius.account("TIME1", "Start", "t-1")
    radius.account("TIME1", "Interim-Update", "t-1", session_time=600)
    server_ingest(server=server)
    voucher.refresh_from_db()
    assert voucher.status == "used_up" and voucher.used_seconds == 600


def test_a_voucher_valid_a_period_after_first_use_expires_when_it_ends_without_accounting(setup):
    radius, server = setup
    voucher = voucher_on(server, "VALID1", validity_seconds=60)
    fresh = voucher_on(server, "VALID2", validity_seconds=3600)
    radius.account("VALID1", "Start", "v-1", at=time.time() - 61)
    radius.account("VALID2", "Start", "v-2")
    server_cycle(server=server)  # the read, then the validity check: no Stop needed
    voucher.refresh_from_db()
    fresh.refresh_from_db()
    assert voucher.status == "expired" and fresh.status == "active"
    assert trail(voucher) == ["voucher.first_use", "voucher.expire"]
    server_cycle(server=server)
    assert trail(voucher) == ["voucher.first_use", "voucher.expire"]  # once


def test_a_subscription_shows_what_its_sessions_used(setup):
    radius, server = setup
    subscription = factories.subscription()
    subscription.radius_server = server
    subscription.save(update_fields=["radius_server"])
    name = subscription.username
    radius.account(name, "Start", "s-1")
    radius.account(name, "Stop", "s-1", session_time=120, octets=(1_000, 5_000))
    radius.account(name, "Start", "s-2")
    radius.account(name, "Interim-Update", "s-2", session_time=60, octets=(2_000, 2_000))
    server_ingest(server=server)
    subscription.refresh_from_db()
    assert (subscription.used_seconds, subscription.used_octets) == (180, 10_000)
    assert subscription.last_session_at is not None


def test_a_pages_first_logins_are_audited_each_told_in_a_few_events_and_counted_sold(
    alpha, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from tenants.selectors import schema_time_zone
    from vouchers.choices import ACTIVATED_CHUNK
    from vouchers.counters import vouchers_sold
    from vouchers.usage import vouchers_first_use

    batch = factories.voucher_batch(vouchers=ACTIVATED_CHUNK + 5)
    vouchers = list(batch.vouchers.order_by("pk"))
    now = timezone.now()
    listener = GroupListener(f"tenant.{tenant_id_for_schema('alpha')}.vouchers")
    with listener:
        with django_capture_on_commit_callbacks(execute=True):
            made = vouchers_first_use(first={v.pk: now for v in vouchers})
            publish(tenant_id_for_schema("alpha"), "vouchers", "test.end")
        listener.wait_for("test.end")
    assert len(made) == len(vouchers) and set(made.values()) == {"active"}
    heard = [m for m in listener.received if m["event"] == "VouchersActivated"]
    told = [v["voucher"]["id"] for m in heard for v in m["payload"]["vouchers"]]
    assert len(heard) == 2 and sorted(told) == [v.pk for v in vouchers]
    assert trail(vouchers[-1]) == ["voucher.first_use"]
    # Sold on the account's day (from 21:00 UTC that is tomorrow in Nairobi).
    assert vouchers_sold(timezone.localdate(now, schema_time_zone("alpha"))) == len(vouchers)
    # Already used: nothing changes again, nothing more is told or sold.
    assert vouchers_first_use(first={vouchers[0].pk: now}) == {}
