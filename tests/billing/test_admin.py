"""The tenant admin's subscription page goes through subscription_update: a new end date or
status reaches RADIUS and the router as a payment does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Package, Payment, Subscription
from billing.tasks import ProcessPayment
from radius.agent.attributes import expiration_value
from radius.services import radius_server_create
from radtik.audit.choices import AuditAction
from radtik.audit.models import AuditEntry
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue
from routers.models import Router
from tenants.selectors import schema_time_zone
from tests.support.admin import run_queued_jobs

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def admin_client(make_user, tenant_client):
    boss = make_user("alpha", "boss", role="admin", is_staff=True, is_superuser=True)
    return tenant_client("alpha", boss)


@pytest.fixture
def paid(tenants, radius_agent, routeros_router):
    """A paid hour: its user on the RADIUS agent and on a local-user router."""
    agent = radius_agent()
    with schema_context("alpha"):
        server = radius_server_create(
            name="radius-1", host="127.0.0.1", api_base_url=agent.url, token=agent.token
        ).server
        router = Router.objects.create(
            name="hs-1",
            host="127.0.0.1",
            api_port=routeros_router.port,
            api_username="admin",
            api_password="admin",
        )
        package = Package.objects.create(
            name="1 hour", price=50, validity_seconds=3600, router=router, radius_server=server
        )
        payment = Payment.objects.create(
            package=package,
            phone="254712345678",
            amount=50,
            checkout_request_id="ws_CO_1",
            result_code=0,
            paid_amount=50,
            resolved_via="callback",
        )
        job_enqueue(kind=ProcessPayment, target=payment, params={"payment_id": payment.pk})
        run_queued_jobs()
        subscription = Subscription.objects.get()
    assert agent.call("GET", f"/users/{subscription.username}").status_code == 200
    assert hotspot_users(routeros_router, subscription.username)
    return subscription, agent, routeros_router


def hotspot_users(router, name: str) -> list[dict]:
    return [row for row in router.state.rows("/ip/hotspot/user") if row["name"] == name]


def change_form(subscription: Subscription, **values) -> dict:
    form = {"status": subscription.status}
    for name in ("starts_at", "ends_at"):
        # The admin reads a typed date in the tenant's time zone, as the operator means it.
        moment = timezone.localtime(
            values.pop(name, getattr(subscription, name)), schema_time_zone("alpha")
        )
        form[f"{name}_0"], form[f"{name}_1"] = f"{moment:%Y-%m-%d}", f"{moment:%H:%M:%S}"
    return {**form, **values}


def expiration(agent, username: str) -> str:
    user = agent.call("GET", f"/users/{username}").json()
    return next(row["value"] for row in user["check"] if row["attribute"] == "Expiration")


def test_a_new_end_date_reaches_radius(admin_client, paid):
    subscription, agent, _ = paid
    before = expiration(agent, subscription.username)
    later = subscription.ends_at + timedelta(days=3)
    response = admin_client.post(
        f"/admin/billing/subscription/{subscription.pk}/change/",
        change_form(subscription, ends_at=later),
    )
    assert response.status_code == 302, response.content[-2000:]
    with schema_context("alpha"):
        run_queued_jobs()
    assert before == expiration_value(subscription.ends_at)
    assert expiration(agent, subscription.username) == expiration_value(later)
    with schema_context("alpha"):
        stored = Subscription.objects.get()
        assert stored.ends_at == later.replace(microsecond=0)
        assert stored.radius_state == "synced" and stored.router_state == "synced"
        entry = AuditEntry.objects.get(action=AuditAction.SUBSCRIPTION_UPDATE)
        assert entry.actor_repr == "boss" and set(entry.changes) == {"ends_at"}


def test_suspending_removes_access_from_radius_and_the_router(admin_client, paid):
    subscription, agent, router = paid
    response = admin_client.post(
        f"/admin/billing/subscription/{subscription.pk}/change/",
        change_form(subscription, status="suspended"),
    )
    assert response.status_code == 302, response.content[-2000:]
    with schema_context("alpha"):
        run_queued_jobs()
    assert agent.call("GET", f"/users/{subscription.username}").status_code == 404
    assert not hotspot_users(router, subscription.username)
    with schema_context("alpha"):
        stored = Subscription.objects.get()
        assert stored.status == "suspended" and not stored.cleanup_pending
        entry = AuditEntry.objects.get(action=AuditAction.SUBSCRIPTION_UPDATE)
        assert entry.changes == {"status": {"old": "active", "new": "suspended"}}

    # Active again: written back to both, as a payment would.
    response = admin_client.post(
        f"/admin/billing/subscription/{subscription.pk}/change/",
        change_form(subscription, status="active"),
    )
    assert response.status_code == 302
    with schema_context("alpha"):
        run_queued_jobs()
    assert agent.call("GET", f"/users/{subscription.username}").status_code == 200
    assert hotspot_users(router, subscription.username)


def test_an_end_before_the_start_is_a_form_error(admin_client, paid):
    subscription, _, _ = paid
    response = admin_client.post(
        f"/admin/billing/subscription/{subscription.pk}/change/",
        change_form(subscription, ends_at=subscription.starts_at - timedelta(hours=1)),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["ends_at"]
    with schema_context("alpha"):
        assert not Job.objects.filter(status="queued").exists()
        assert Subscription.objects.get().ends_at == subscription.ends_at
