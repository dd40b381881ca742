"""The dashboards' figures against the real database: counters kept by the services that move
payments and by the vouchers' triggers, the pages that show them in the account's time zone and
currency, isolation between accounts, and the coalesced live update."""

from __future__ import annotations

import time
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Payment, PaymentDay
from billing.services import payment_settle
from radtik.events import group_name
from routers.services import router_health_set, router_managed_record
from tenants.dashboard import DASHBOARD_CHANGED, DASHBOARD_TOPIC, tenant_dashboard
from tenants.models import Tenant
from tests.support import factories
from tests.support.events import GroupListener
from vouchers.counters import voucher_counts
from vouchers.models import Voucher
from vouchers.services import batch_create


def _settle(payment: Payment, *, code: int = 0) -> Payment:
    Payment.objects.filter(pk=payment.pk).update(
        result_code=code, paid_amount=payment.amount, resolved_via="callback"
    )
    return payment_settle(payment_id=payment.pk)


@pytest.mark.django_db
def test_settled_payments_count_on_the_accounts_day(tenants):
    with schema_context("alpha"):
        package = factories.package()
        _settle(factories.payment(package_=package))
        _settle(factories.payment(package_=package))
        _settle(factories.payment(package_=package), code=1032)  # cancelled by the customer
        factories.payment(package_=package)  # still pending
        zone = zoneinfo.ZoneInfo(Tenant.objects.get(schema_name="alpha").time_zone)
        today = timezone.localdate(timezone.now(), zone)
        row = PaymentDay.objects.get(package=package)
        assert (row.day, row.completed, row.failed, row.income) == (today, 2, 1, Decimal(200))
        with timezone.override(zone):
            money = tenant_dashboard()["money"]
        assert money.today == money.week == money.month == Decimal(200)
        assert (money.completed_today, money.failed_today, money.pending_today) == (2, 1, 1)
        assert money.success_rate == 67
        assert money.top_packages == [{"name": package.name, "income": Decimal(200)}]
        assert money.per_day[-1] == (today, Decimal(200)) and len(money.per_day) == 30
    with schema_context("beta"):  # another account sees none of it
        assert PaymentDay.objects.count() == 0
        assert tenant_dashboard()["money"].today == 0


@pytest.mark.django_db
def test_voucher_counts_follow_copy_updates_and_deletes(tenants):
    with schema_context("alpha"):
        made = batch_create(
            profile=factories.voucher_profile(), radius_server=factories.radius_server(), count=7
        )
        assert voucher_counts()["unused"] == 7
        first, second = Voucher.objects.filter(batch=made.batch).order_by("id")[:2]
        Voucher.objects.filter(pk=first.pk).update(status="active")
        Voucher.objects.filter(pk=second.pk).update(status="expired", radius_sync_status="failed")
        counts = voucher_counts()
        assert (counts["unused"], counts["active"], counts["expired"]) == (5, 1, 1)
        assert counts["sync_failed"] == 1
        made.batch.delete()
        assert set(voucher_counts().values()) == {0}
    with schema_context("beta"):
        assert voucher_counts()["unused"] == 0


@pytest.mark.django_db
def test_dashboard_page_shows_figures_and_what_needs_attention(tenants, make_user, tenant_client):
    with schema_context("alpha"):
        _settle(factories.payment())
        router = factories.router()
        health = router_managed_record(router=router, items=[])
        router_health_set(health=health, state="offline", reason="no answer on port 8728")
        job = factories.job(status="failed")
        job.finished_at = timezone.now()
        job.error = "agent refused the token"
        job.save()
    user = make_user("alpha", "dash-viewer", role="viewer")
    page = tenant_client("alpha", user).get("/")
    assert page.status_code == 200
    html = page.content.decode()
    currency = Tenant.objects.get(schema_name="alpha").currency
    assert f"{currency} 100" in html  # income today
    assert 'id="dash-routers-down" class="bad">1<' in html
    assert f"/routers/{router.pk}/" in html and "no answer on port 8728" in html
    assert f"/jobs/{job.pk}/" in html and "agent refused the token" in html
    assert 'id="dashboard-chart-data"' in html
    beta = tenant_client("beta", make_user("beta", "dash-beta", role="viewer")).get("/")
    assert beta.status_code == 200 and f"/routers/{router.pk}/" not in beta.content.decode()


def test_a_burst_of_payments_sends_a_bounded_number_of_updates(live_db, tenants):
    """Forty payments settled one after another: the dashboard group hears a handful of
    DashboardChanged (at most one a second), not forty."""
    with schema_context("alpha"):
        package = factories.package()
        payments = [factories.payment(package_=package) for _ in range(40)]
    group = group_name(tenants["alpha"].pk, DASHBOARD_TOPIC)
    with GroupListener(group) as listener:
        started = time.monotonic()
        with schema_context("alpha"):
            for payment in payments:
                _settle(payment)
        listener.wait_for(DASHBOARD_CHANGED, timeout=30)
        # Whatever the burst's windows still owe arrives within a window of its end.
        time.sleep(2.5)
        listener.received += _drain(listener)
        elapsed = time.monotonic() - started
    updates = [m for m in listener.received if m["event"] == DASHBOARD_CHANGED]
    assert 1 <= len(updates) <= elapsed + 2, (len(updates), elapsed)
    assert all(m["payload"] == {} for m in updates)


def _drain(listener: GroupListener) -> list[dict]:
    import asyncio

    from asgiref.sync import async_to_sync

    async def receive_all() -> list[dict]:
        got = []
        while True:
            try:
                async with asyncio.timeout(0.5):
                    got.append(await listener.layer.receive(listener.channel))
            except TimeoutError:
                return got

    return async_to_sync(receive_all)()


@pytest.mark.django_db
def test_system_dashboard_sums_the_accounts(tenants, make_user, tenant_client):
    from radtik.jobs.models import Job
    from tenants.platform_dashboard import platform_dashboard

    with schema_context("public"):
        before = platform_dashboard()
    for schema in ("alpha", "beta"):
        with schema_context(schema):
            factories.session()
            factories.session(service="pppoe")
            factories.session(open_=False)  # closed: not online
            factories.payment()
            Job.objects.create(kind="test.failing", status="failed", finished_at=timezone.now())
    with schema_context("public"):
        after = platform_dashboard()
    assert after["online"]["hotspot"] - before["online"]["hotspot"] == 2
    assert after["online"]["pppoe"] - before["online"]["pppoe"] == 2
    assert after["payments_hour"]["started"] - before["payments_hour"]["started"] == 2
    assert after["failed_jobs"] - before["failed_jobs"] == 2
    assert after["tenants"]["active"] >= 2
    assert {q["name"] for q in after["queues"]} >= {"default", "payments"}
    admin = make_user("public", "sys-dash", role="admin", is_staff=True)
    page = tenant_client("public", admin).get("/")
    assert page.status_code == 200
    assert f'id="sys-online-pppoe">{after["online"]["pppoe"]}<' in page.content.decode()
