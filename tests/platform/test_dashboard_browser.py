"""The dashboards in a real browser: a change made in another process (this test's: its events
and coalesced updates cross Redis to the suite's daphne) changes the open page's figures without
a reload, and the page asks nothing while idle (no polling)."""

from __future__ import annotations

import os
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from accounting.ingest import SessionChange, sessions_publish
from accounting.models import Session
from billing.models import Payment
from billing.services import payment_settle
from routers.models import RouterHealth
from routers.services import router_health_set, router_managed_record
from tenants import services as tenant_services
from tenants.models import Tenant
from tests.support import factories
from tests.support.browser import live, requests_while_idle, wait_for_text
from tests.support.waiting import wait_for

# 5 s in the suite; the 30 s with RADTIK_IDLE_SECONDS=30 (this file alone).
IDLE_SECONDS = float(os.environ.get("RADTIK_IDLE_SECONDS", "5"))


def _text(page, selector: str) -> str:
    return page.inner_text(selector).strip()


def test_a_completed_payment_changes_income_today(tenant_page):
    with schema_context("alpha"):
        payment = factories.payment()  # 100, pending
    currency = Tenant.objects.get(schema_name="alpha").currency
    page = tenant_page("alpha", role="viewer")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    live(page)
    assert _text(page, "#dash-income-today") == f"{currency} 0"
    page.wait_for_function("document.querySelectorAll('#dashboard-charts canvas').length === 3")
    with schema_context("alpha"):
        Payment.objects.filter(pk=payment.pk).update(
            result_code=0, paid_amount=payment.amount, resolved_via="callback"
        )
        assert payment_settle(payment_id=payment.pk).status == "completed"
    wait_for_text(page, "#dash-income-today", f"{currency} 100")
    assert _text(page, "#dash-completed-today") == "1"
    assert _text(page, "#dash-success-rate") == "100%"
    assert payment.package.name in _text(page, "#dash-top-packages")
    # The charts redraw from the pushed fragment's data (today's bar of the income chart).
    page.wait_for_function("Number(document.querySelector('#dashboard-charts').dataset.redrawn)")
    assert errors == []
    assert requests_while_idle(page, IDLE_SECONDS) == []


def test_a_new_session_changes_online_users(tenant_page):
    page = tenant_page("alpha", role="viewer")
    page.goto("/")
    live(page)
    assert _text(page, "#dash-online-hotspot") == "0"
    with schema_context("alpha"):
        session = factories.session()
        row = {f.attname: getattr(session, f.attname) for f in Session._meta.concrete_fields}
        sessions_publish([SessionChange(session.pk, "started", row)])
    wait_for_text(page, "#dash-online-hotspot", "1")
    assert requests_while_idle(page, IDLE_SECONDS) == []


def test_a_router_going_down_changes_routers_down(tenant_page):
    # Not due for an hour, in the transaction that makes it: the suite's cluster would check the
    # factory's address (nothing answers there) and set it offline before the test does.
    with schema_context("alpha"), transaction.atomic():
        router = factories.router()
        health = router_managed_record(router=router, items=[])
        health = router_health_set(health=health, state="online", reason="")
        RouterHealth.objects.filter(pk=health.pk).update(due_at=timezone.now() + timedelta(hours=1))
    page = tenant_page("alpha", role="viewer")
    page.goto("/")
    live(page)
    # Relative to what the page shows: routers other tests of the session left count too.
    down, online = int(_text(page, "#dash-routers-down")), int(_text(page, "#dash-routers-online"))
    assert online >= 1
    with schema_context("alpha"):
        router_health_set(health=health, state="offline", reason="no answer on port 8728")
    wait_for_text(page, "#dash-routers-down", str(down + 1))
    assert _text(page, "#dash-routers-online") == str(online - 1)
    link = page.locator(f"#dash-attention a[href='/routers/{router.pk}/']")
    assert "no answer on port 8728" in link.inner_text()
    assert requests_while_idle(page, IDLE_SECONDS) == []


def test_system_dashboard_counts_a_tenant_being_created(tenant_page):
    page = tenant_page("public")
    page.goto("/")
    live(page)

    def counted() -> int:  # creating, or already active: the suite's cluster may be quick
        return int(_text(page, "#sys-tenants-creating")) + int(_text(page, "#sys-tenants-active"))

    before = counted()
    with schema_context("public"):
        made = tenant_services.tenant_create(name="Dash Net", slug="dashlive")
    wait_for(lambda: counted() == before + 1, timeout=30, what="the new tenant counted")
    wait_for_text(page, f"#tenant-{made.tenant.pk}-row", "Dash Net")
    assert requests_while_idle(page, IDLE_SECONDS) == []
