"""What each cause sends, and to whom: receipts, reminders, router down/up, failed jobs,
callbacks needing attention, the welcome e-mail. Called by the listeners (radtik.notifications
.listeners) and by the periodic checks (tasks.NotificationChecks)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.choices import PaymentStatus, SubscriptionStatus
from billing.models import Package, Payment, Subscription, reminder_offsets
from radtik.notifications.choices import Channel, TemplateKey
from radtik.notifications.models import Notification, RouterWatch
from radtik.notifications.services import (
    Message,
    alert_admins,
    notification_queue,
    notifications_queue,
)
from radtik.notifications.tenancy import current_tenant, local_text, tenant_url
from routers.choices import REACHED, RouterStatus
from routers.models import Router
from tenants.accounts.models import Role
from tenants.models import Tenant

DOWN = (RouterStatus.CONNECTION_FAILED,)


def sms_number(phone: str) -> str:
    """Africa's Talking wants +2547...; customers' phones are stored as 2547..."""
    return phone if phone.startswith("+") else f"+{phone}"


# -- customers -----------------------------------------------------------------------------------
def payment_receipts_queue(*, payment_ids: list[int]) -> dict[int, Notification]:
    """Each payment's SMS receipt with the credentials, once per payment however often it is
    completed; many at once (a settled batch) in one read and one INSERT."""
    payments = Payment.objects.select_related("subscription", "package").in_bulk(payment_ids)
    paid = [
        payments[pk]
        for pk in dict.fromkeys(payment_ids)
        if pk in payments
        and payments[pk].status == PaymentStatus.COMPLETED
        and payments[pk].subscription
    ]
    if not paid:
        return {}
    tenant = current_tenant()
    messages = [
        Message(
            channel=Channel.SMS,
            recipient=sms_number(payment.phone),
            template=TemplateKey.PAYMENT_RECEIPT,
            context={
                "amount": payment.amount,
                "receipt": payment.receipt or "M-Pesa",
                "package": payment.package.name,
                "username": payment.subscription.username,
                "password": payment.subscription.password,
                "expires": local_text(payment.subscription.ends_at, tenant),
                "business": tenant.name,
            },
            dedupe_key=f"receipt:payment:{payment.pk}",
        )
        for payment in paid
    ]
    queued = notifications_queue(messages=messages)
    return {payment.pk: notification for payment, notification in zip(paid, queued, strict=True)}


def _remaining(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes >= 1440 and minutes % 1440 == 0:
        return f"{minutes // 1440} d"
    if minutes >= 60:
        return f"{round(minutes / 60)} h"
    return f"{minutes} min"


def subscription_reminders_queue(*, now: datetime | None = None) -> int:
    """Remind each active subscription once per reminder time of its package (e.g. 1 day and 1
    hour before its end). A time already past when the subscription started (a 30-minute
    package and a 1-hour reminder) is not sent: the customer has just paid."""
    now = now or timezone.now()
    tenant = current_tenant()
    portal = tenant_url(tenant, "/portal/")
    queued = 0
    for package in Package.objects.exclude(reminders=""):
        offsets = reminder_offsets(package.reminders)
        if not offsets:
            continue
        due = Subscription.objects.select_related("customer").filter(
            package=package,
            status=SubscriptionStatus.ACTIVE,
            ends_at__gt=now,
            ends_at__lte=now + timedelta(seconds=offsets[0]),
        )
        for subscription in due:
            left = (subscription.ends_at - now).total_seconds()
            offset = min(o for o in offsets if o >= left)  # the nearest reminder time crossed
            if subscription.ends_at - timedelta(seconds=offset) <= subscription.starts_at:
                continue
            key = f"reminder:{subscription.pk}:{int(subscription.ends_at.timestamp())}:{offset}"
            if Notification.objects.filter(dedupe_key=key).exists():
                continue
            with transaction.atomic():  # the row and its job together
                notification_queue(
                    channel=Channel.SMS,
                    recipient=sms_number(subscription.customer.phone),
                    template=TemplateKey.SUBSCRIPTION_REMINDER,
                    context={
                        "package": package.name,
                        "username": subscription.username,
                        "expires": local_text(subscription.ends_at, tenant),
                        "remaining": _remaining(left),
                        "renew_url": portal,
                        "business": tenant.name,
                    },
                    dedupe_key=key,
                    now=now,
                )
            queued += 1
    return queued


# -- routers -------------------------------------------------------------------------------------
def router_status_note(*, router_id: int, status: str, now: datetime | None = None) -> None:
    """A router's status changed (or was confirmed): start or end its down period. Back up after
    an alert sends "back up" once; a period too short to alert ends silently."""
    now = now or timezone.now()
    watch = RouterWatch.objects.select_for_update().filter(router_id=router_id).first()
    if status in DOWN:
        if watch is None:
            RouterWatch.objects.create(router_id=router_id, down_since=now)
        elif watch.down_since is None:
            watch.down_since, watch.alerted = now, False
            watch.save(update_fields=["down_since", "alerted"])
        return
    if status not in REACHED or watch is None or watch.down_since is None:
        return
    if watch.alerted:
        router = Router.objects.filter(pk=router_id).first()
        if router is not None:
            tenant = current_tenant()
            _router_alert(TemplateKey.ROUTER_UP, router, watch.down_since, tenant, now)
    watch.down_since, watch.alerted = None, False
    watch.save(update_fields=["down_since", "alerted"])


def routers_down_alert(*, now: datetime | None = None) -> int:
    """Alert the admins of each router down longer than the tenant's setting, once per period
    (and at most once per alert window per router)."""
    now = now or timezone.now()
    tenant = current_tenant()
    cutoff = now - timedelta(minutes=tenant.router_down_minutes)
    with transaction.atomic():
        return _routers_down_alert(tenant, cutoff, now)


def _routers_down_alert(tenant: Tenant, cutoff: datetime, now: datetime) -> int:
    alerted = 0
    for watch in RouterWatch.objects.select_for_update(skip_locked=True).filter(
        down_since__lte=cutoff, alerted=False
    ):
        router = Router.objects.filter(pk=watch.router_id).first()
        if router is None or router.status not in DOWN:
            watch.down_since = None  # its up was never heard: nothing to say
            watch.save(update_fields=["down_since"])
            continue
        if _router_alert(TemplateKey.ROUTER_DOWN, router, watch.down_since, tenant, now):
            watch.alerted = True
            watch.save(update_fields=["alerted"])
            alerted += 1
    return alerted


def router_health_alert(*, payload: dict[str, Any], up: bool) -> list[Notification]:
    """RouterDown / RouterUp from router health: "down" once per outage (and window), "back up"
    only after a "down" that was sent."""
    router = Router.objects.filter(pk=payload["router"]["id"]).first()
    if router is None:
        return []
    since, now = datetime.fromisoformat(payload["since"]), timezone.now()
    if (
        up
        and not Notification.objects.filter(
            dedupe_key__startswith=f"router:{router.pk}:{int(since.timestamp())}:down"
        ).exists()
    ):
        return []  # its "down" was held back (a flapping router): nothing to undo
    template = TemplateKey.ROUTER_UP if up else TemplateKey.ROUTER_DOWN
    return _router_alert(template, router, since, current_tenant(), now, payload.get("reason"))


def _router_alert(
    template: str,
    router: Router,
    since: datetime,
    tenant: Tenant,
    now: datetime,
    error: str | None = None,
) -> list[Notification]:
    context = {
        "router": router.name,
        "since": local_text(since, tenant),
        "minutes": int((now - since).total_seconds() // 60),
        "error": error or router.last_error or "-",
        "url": tenant_url(tenant, f"/routers/{router.pk}/"),
    }
    up = template == TemplateKey.ROUTER_UP
    return alert_admins(
        template=template,
        context=context,
        condition=f"router.{router.pk}.{'up' if up else 'down'}",
        dedupe_key=f"router:{router.pk}:{int(since.timestamp())}:{'up' if up else 'down'}",
        # "Back up" follows the "down" that was sent: held back only when that one was.
        windowed=not up,
        now=now,
    )


# -- admins --------------------------------------------------------------------------------------
def job_failed_alert(*, payload: dict[str, Any]) -> None:
    """A job failed after its last attempt: its admins hear once per kind per window."""
    kind = str(payload.get("kind", ""))
    if kind.startswith("notifications."):
        return  # a failed notification is on its own page; alerting about it could loop
    tenant = current_tenant()
    target = payload.get("target") or {}
    alert_admins(
        template=TemplateKey.JOB_FAILED,
        context={
            "kind": kind,
            "target": target.get("repr") or "-",
            "attempts": payload.get("attempts", ""),
            "error": payload.get("error", ""),
            "url": tenant_url(tenant, f"/jobs/{payload.get('id')}/"),
        },
        condition=f"job.{kind}.failed",
    )


def callback_quarantined_alert(*, payload: dict[str, Any]) -> None:
    tenant = current_tenant()
    alert_admins(
        template=TemplateKey.CALLBACKS_QUARANTINED,
        context={
            "callback": payload.get("id", ""),
            "attempts": payload.get("attempts", ""),
            "error": payload.get("error", ""),
            "url": tenant_url(tenant, "/billing/callbacks/?outcome=quarantined"),
        },
        condition="callbacks.quarantined",
    )


def tenant_welcome_queue(*, tenant_id: int) -> list[Notification]:
    """In public: the welcome e-mail to each admin of a tenant that just became ready."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return []
    with schema_context(tenant.schema_name):
        admins = list(
            get_user_model()
            .objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
            .exclude(email="")
            .values_list("username", "email")
        )
    if not admins and tenant.contact_email:
        admins = [("admin", tenant.contact_email)]
    return [
        notification_queue(
            channel=Channel.EMAIL,
            recipient=email,
            template=TemplateKey.TENANT_WELCOME,
            context={"name": tenant.name, "url": tenant_url(tenant, "/"), "username": username},
            dedupe_key=f"welcome:{tenant.pk}:{email}",
            language=tenant.notification_language,
        )
        for username, email in admins
    ]
