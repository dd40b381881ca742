"""Notifications end to end: the real clusters send through the real SMTP server (aiosmtpd on
loopback) and the Africa's Talking simulator, from the events radtik already has."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Customer, DarajaSettings, Package, Payment, PaymentCallback, Subscription
from billing.tasks import ProcessPayment
from radtik.jobs.choices import JobStatus
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue
from radtik.notifications.models import Notification, RouterWatch
from radtik.notifications.services import notification_queue
from radtik.notifications.tasks import NotificationChecks, SendNotification
from routers.models import Router, RouterHealth
from routers.services import router_status_set
from tenants.models import Tenant
from tenants.services import tenant_create, tenant_provision
from tests.notifications.support import wait_for
from tests.support.jobs import wait_job

pytestmark = pytest.mark.usefixtures("live_db", "qcluster", "mailbox")
PHONE = "+254712345678"


@pytest.fixture
def admin(make_user):
    return make_user("alpha", "boss", role="admin", email="boss@alpha.example")


def run_checks() -> Job:
    with schema_context("alpha"):
        job = job_enqueue(kind=NotificationChecks)
    finished = wait_job(job.pk, timeout=45)
    assert finished.status == JobStatus.SUCCEEDED, finished.error
    return finished


def sends_settled() -> bool:
    """Every queued notification of alpha has been sent or given up."""
    return not Job.objects.filter(
        kind=SendNotification.name, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).exists()


def test_paid_portal_purchase_sends_one_sms_receipt_with_the_credentials(
    sms_account, daraja_sim, daphne_server, routeros_router, tenant_hosts_resolve, tenants
):
    # Daraja delivers the callback twice: still one receipt.
    daraja_sim.scenario(delay=0.5, duplicates=2)
    creds = daraja_sim.credentials
    with schema_context("alpha"):
        router = Router.objects.create(
            name="hs-1",
            host="127.0.0.1",
            api_port=routeros_router.port,
            api_username="admin",
            api_password="admin",
        )
        DarajaSettings.objects.create(
            shortcode=creds.shortcode,
            passkey=creds.passkey,
            consumer_key=creds.consumer_key,
            consumer_secret=creds.consumer_secret,
            base_url=daraja_sim.base_url,
            callback_base_url=f"http://alpha.localhost:{daphne_server}",
        )
        package = Package.objects.create(
            name="1 hour", price=50, validity_seconds=3600, router=router
        )
    response = Client(HTTP_HOST="alpha.localhost").post(
        "/portal/", {"package_id": package.pk, "phone_number": "0712345678"}
    )
    assert response.status_code == 302, response.content

    sms = sms_account.wait_for(1, number=PHONE, timeout=60)
    payment = wait_for(
        lambda: Payment.objects.filter(status="completed").select_related("subscription").first(),
        what="the completed payment",
    )
    subscription = payment.subscription
    assert subscription.username in sms[0].message
    assert f"password {subscription.password}" in sms[0].message
    assert "KES 50" in sms[0].message
    wait_for(
        lambda: sorted(PaymentCallback.objects.values_list("outcome", flat=True))
        == ["accepted", "duplicate"],
        what="both copies of the callback matched",
    )
    # The payment is processed again (an operator's retry): still the one receipt.
    with schema_context("alpha"):
        job = job_enqueue(kind=ProcessPayment, target=payment, params={"payment_id": payment.pk})
    assert wait_job(job.pk).status == JobStatus.SUCCEEDED
    wait_for(sends_settled, what="sends settled")
    assert len(sms_account.messages(PHONE)) == 1
    with schema_context("alpha"):
        receipt = Notification.objects.get()
        assert receipt.status == "sent" and receipt.provider_id == sms[0].message_id
        assert subscription.password not in receipt.preview  # what pages show
        assert receipt.cost == "KES 0.8000"


def test_a_subscription_reaching_its_reminder_time_gets_one_reminder(sms_account, tenants):
    now = timezone.now()
    with schema_context("alpha"):
        router = Router.objects.create(name="r1", host="127.0.0.1", api_password="x")
        package = Package.objects.create(
            name="1 day", price=80, validity_seconds=86400, router=router, reminders="1d,1h"
        )
        due = Subscription.objects.create(
            customer=Customer.objects.create(phone="254712345678"),
            package=package,
            username="mpdue",
            password="pw1",
            starts_at=now - timedelta(hours=23),
            ends_at=now + timedelta(minutes=50),
        )
        Subscription.objects.create(  # three hours left: its 1-hour reminder is not due yet
            customer=Customer.objects.create(phone="254712345679"),
            package=package,
            username="mplater",
            password="pw2",
            starts_at=now - timedelta(hours=21),
            ends_at=now + timedelta(hours=3),
        )
    assert run_checks().result["reminders"] == 1
    assert run_checks().result["reminders"] == 0
    sms = sms_account.wait_for(1, timeout=45)
    wait_for(sends_settled, what="sends settled")
    assert [m.number for m in sms_account.messages()] == [PHONE]
    assert due.username in sms[0].message and "expires" in sms[0].message
    assert "/portal/" in sms[0].message


def test_router_down_longer_than_the_setting_alerts_once_and_back_up_once(admin, mailbox):
    with schema_context("alpha"):
        router = Router.objects.create(
            name="edge-7", host="127.0.0.1", api_password="x", status="online"
        )

    def set_status(status: str) -> None:
        with schema_context("alpha"):
            router.refresh_from_db()
            router_status_set(router=router, status=status, error="connection refused")

    def down_for(minutes: int) -> None:
        with schema_context("alpha"):
            RouterWatch.objects.update(down_since=timezone.now() - timedelta(minutes=minutes))

    set_status("connection_failed")
    assert run_checks().result["router_alerts"] == 0  # down, but not for 5 minutes yet
    down_for(6)
    assert run_checks().result["router_alerts"] == 1
    assert run_checks().result["router_alerts"] == 0
    set_status("connection_failed")  # the next failed probe says so again
    set_status("online")
    set_status("online")
    [down, up] = mailbox.wait_for(2, to="boss@alpha.example")
    assert down["Subject"] == "Router edge-7 is down"
    assert "connection refused" in down.get_content()
    assert up["Subject"] == "Router edge-7 is back up"

    # It flaps: down again past the setting within the alert window, then up. Nothing more.
    set_status("connection_failed")
    down_for(6)
    assert run_checks().result["router_alerts"] == 0
    set_status("online")
    wait_for(sends_settled, what="sends settled")
    assert len(mailbox.messages(to="boss@alpha.example")) == 2


def test_tenant_creation_sends_the_welcome_email(mailbox):
    with transaction.atomic():
        creation = tenant_create(name="Gamma WiFi", slug="gamma", admin_email="owner@gamma.example")
        # Provisioned here rather than by the cluster, whose test timeout (8 s) is shorter than
        # a new schema's migrations on a busy machine.
        Job.objects.filter(pk=creation.job.pk).update(status=JobStatus.CANCELLED)
    tenant_provision(SimpleNamespace(params=creation.job.params, progress=lambda *a, **k: None))
    [welcome] = mailbox.wait_for(1, to="owner@gamma.example", timeout=60)
    assert welcome["Subject"] == "Welcome to radtik, Gamma WiFi"
    body = welcome.get_content()
    assert "gamma.localhost" in body and "admin" in body
    wait_for(
        lambda: Notification.objects.filter(status="sent").count() == 1,
        schema="public",
        what="the welcome recorded as sent, in the platform's schema",
    )


def test_failed_send_is_retried_then_marked_failed_with_the_providers_error(sms_account):
    sms_account.answer("+254700000001", "InsufficientBalance")
    with schema_context("alpha"), transaction.atomic():
        notification = notification_queue(
            channel="sms",
            recipient="+254700000001",
            template="payment_receipt",
            context={"username": "u", "password": "p"},
        )
    failed = wait_for(
        lambda: Notification.objects.filter(pk=notification.pk, status="failed").first(),
        what="the notification failed",
    )
    assert failed.attempts == SendNotification.policy.attempts == 3
    assert "InsufficientBalance (405)" in failed.error
    assert len(sms_account.messages("+254700000001")) == 3
    assert wait_job(failed.job_id).status == JobStatus.FAILED


def test_a_number_the_provider_refuses_fails_without_retrying(sms_account):
    with schema_context("alpha"), transaction.atomic():
        notification = notification_queue(
            channel="sms", recipient="+2547", template="payment_receipt", context={}
        )
    failed = wait_for(
        lambda: Notification.objects.filter(pk=notification.pk, status="failed").first(),
        what="the notification failed",
    )
    assert failed.attempts == 1 and "InvalidPhoneNumber (403)" in failed.error


def test_an_sms_for_a_tenant_without_an_sms_account_is_skipped_with_the_reason():
    """A tenant that never set up SMS still sells: the receipt is recorded as skipped, no job."""
    with schema_context("alpha"), transaction.atomic():
        notification = notification_queue(
            channel="sms", recipient=PHONE, template="payment_receipt", context={}
        )
    with schema_context("alpha"):
        stored = Notification.objects.get(pk=notification.pk)
    assert stored.status == "skipped" and stored.job_id is None
    assert "SMS is not set up" in stored.error


def test_the_monthly_sms_budget_stops_sending_with_one_alert(
    sms_account, admin, mailbox, tenant_settings
):
    tenant_settings(sms_monthly_budget=2)
    for n in range(4):
        with schema_context("alpha"), transaction.atomic():
            notification_queue(
                channel="sms",
                recipient=f"+25470000010{n}",
                template="payment_receipt",
                context={"username": f"u{n}", "password": "p"},
            )
        wait_for(sends_settled, what=f"send {n} settled")
    assert len(sms_account.messages()) == 2
    with schema_context("alpha"):
        sms = Notification.objects.filter(channel="sms")
        statuses = sorted(sms.values_list("status", flat=True))
        assert statuses == ["sent", "sent", "skipped", "skipped"]
        skipped = Notification.objects.filter(status="skipped").first()
        assert skipped.error == "Monthly SMS budget of 2 reached."
    [alert] = mailbox.wait_for(1, to="boss@alpha.example")
    assert alert["Subject"] == "Monthly SMS budget reached"
    wait_for(sends_settled, what="the alert sent")
    assert len(mailbox.messages(to="boss@alpha.example")) == 1


@pytest.fixture
def watched_router(routeros_router, tenants, django_db_blocker):
    """A router deployed by the product and watched by router health every 2 s; alpha alerts
    at once (router_down_minutes 0); the settings back after the test."""
    from tests.routers.health_support import INTERVAL, deployed_router, wait_health

    Tenant.objects.filter(slug="alpha").update(
        router_health_interval=INTERVAL, router_down_minutes=0
    )
    router = deployed_router(routeros_router, "edge-9")
    wait_health(router.pk, "online")
    yield routeros_router, router
    with django_db_blocker.unblock():
        Tenant.objects.filter(slug="alpha").update(router_health_interval=30, router_down_minutes=5)
        with schema_context("alpha"):
            RouterHealth.objects.all().delete()


def test_a_watched_router_going_down_alerts_once_and_back_up_once(admin, mailbox, watched_router):
    from tests.routers.health_support import wait_health

    sim, router = watched_router
    sim.stop_listening()  # router health's RouterDown
    wait_health(router.pk, "offline")
    [down] = mailbox.wait_for(1, to="boss@alpha.example", timeout=60)
    assert down["Subject"] == "Router edge-9 is down"
    assert "refused the connection" in down.get_content()
    sim.start_listening()  # RouterUp
    wait_health(router.pk, "online")
    [_, up] = mailbox.wait_for(2, to="boss@alpha.example", timeout=60)
    assert up["Subject"] == "Router edge-9 is back up"

    # It flaps within the alert window: down and up again, and nothing more is sent.
    sim.stop_listening()
    wait_health(router.pk, "offline")
    sim.start_listening()
    wait_health(router.pk, "online")
    wait_for(sends_settled, what="sends settled")
    assert len(mailbox.messages(to="boss@alpha.example")) == 2
