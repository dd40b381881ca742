"""Every notification is queued and sent here: dedupe, opt-out, quiet hours, alert windows, the
monthly SMS budget, and the record of what the provider said.

A notification is a row first and a SendNotification job second, both in the caller's
transaction (the listeners run inside the change that caused them): a cause that commits gets
its message, one rolled back gets none, and a cause heard twice (a payment delivered twice)
finds its row by `dedupe_key` and sends once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_record
from radtik.events import publish_many
from radtik.jobs.context import JobGiveUp
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue
from radtik.notifications.africastalking import AtConfig
from radtik.notifications.channels import (
    Channel as ChannelAdapter,
)
from radtik.notifications.channels import (
    EmailChannel,
    Outgoing,
    SendFailed,
    SmsChannel,
)
from radtik.notifications.choices import (
    FINAL_STATUSES,
    NOTIFICATIONS_TOPIC,
    URGENT_TEMPLATES,
    Channel,
    NotificationStatus,
    TemplateKey,
)
from radtik.notifications.models import Notification, OptOut, SmsSettings
from radtik.notifications.rendering import render_both, template_text
from radtik.notifications.tenancy import current_tenant, local, tenant_url
from radtik.tenancy import current_tenant_id
from radtik.writes import single_row_save
from tenants.accounts.models import Role

SMS_NOT_SET_UP = (
    "SMS is not set up: add the Africa's Talking account on the notification settings page."
)
logger = logging.getLogger(__name__)


# -- queue ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    """One message to queue: what notification_queue takes, for notifications_queue."""

    channel: str
    recipient: str
    template: str
    context: dict[str, Any]
    dedupe_key: str | None = None
    condition: str = ""
    secrets: tuple[str, ...] = ("password",)
    language: str | None = None


def notification_queue(
    *,
    channel: str,
    recipient: str,
    template: str,
    context: dict[str, Any],
    dedupe_key: str | None = None,
    condition: str = "",
    secrets: tuple[str, ...] = ("password",),
    language: str | None = None,
    now: datetime | None = None,
) -> Notification:
    """Record one message and queue its sending (held to the end of quiet hours when it is not
    urgent). Returns the existing row when `dedupe_key` was queued before."""
    message = Message(
        channel=channel,
        recipient=recipient,
        template=template,
        context=context,
        dedupe_key=dedupe_key,
        condition=condition,
        secrets=secrets,
        language=language,
    )
    return notifications_queue(messages=[message], now=now)[0]


def notifications_queue(
    *, messages: list[Message], now: datetime | None = None
) -> list[Notification]:
    """notification_queue for many messages (a settled batch's receipts): each check one query
    for them all, the new rows one INSERT. Each message's row, in order."""
    from radtik.notifications.tasks import SendNotification  # tasks imports this module

    keys = {m.dedupe_key for m in messages if m.dedupe_key}
    known = {n.dedupe_key: n for n in Notification.objects.filter(dedupe_key__in=keys)}
    now = now or timezone.now()
    tenant = current_tenant()
    texts: dict[tuple[str, str, str], tuple[str, str]] = {}
    rows: list[Notification] = []
    new: list[Notification] = []
    for message in messages:
        if message.dedupe_key in known:  # queued before, or earlier in this list
            rows.append(known[message.dedupe_key])
            continue
        language = message.language or tenant.notification_language
        text_key = (message.template, language, message.channel)
        if text_key not in texts:
            texts[text_key] = template_text(
                key=message.template, language=language, channel=message.channel
            )
        subject_text, body_text = texts[text_key]
        subject, _ = render_both(subject_text, message.context, message.secrets)
        body, preview = render_both(body_text, message.context, message.secrets)
        urgent = message.template in URGENT_TEMPLATES
        notification = Notification(
            channel=message.channel,
            recipient=message.recipient,
            template=message.template,
            language=language,
            subject=subject[:200],
            body=body,
            preview=preview,
            dedupe_key=message.dedupe_key or None,
            condition=message.condition,
            urgent=urgent,
            send_after=None if urgent else quiet_hours_end(tenant, now),
        )
        rows.append(notification)
        new.append(notification)
        if message.dedupe_key:
            known[message.dedupe_key] = notification
    if not new:
        return rows
    _skip_unsendable(new)
    try:
        with transaction.atomic():
            Notification.objects.bulk_create(new)
    except IntegrityError:  # the same cause, queued concurrently
        if len(messages) > 1:  # each alone: the one queued meanwhile is found by its key
            return [notifications_queue(messages=[m], now=now)[0] for m in messages]
        return [Notification.objects.get(dedupe_key=messages[0].dedupe_key)]
    queued = [n for n in new if n.status == NotificationStatus.QUEUED]
    for notification in queued:
        delay = (notification.send_after - now).total_seconds() if notification.send_after else 0
        notification.job_id = job_enqueue(
            kind=SendNotification,
            target=notification,
            params={"notification_id": notification.pk},
            delay=max(0.0, delay),
        ).pk
    if queued:
        Notification.objects.bulk_update(queued, ["job_id"])
    for notification in new:
        logger.info("queued %s", notification)  # __str__ masks the recipient
    notifications_publish(new, "notification.queued")
    return rows


def _skip_unsendable(notifications: list[Notification]) -> None:
    """Recipients who opted out, and SMS without an SMS account, are recorded as skipped with
    the reason: a tenant without an SMS account still sells, rather than a job that can only
    fail."""
    opted_out = set(
        OptOut.objects.filter(address__in={n.recipient for n in notifications}).values_list(
            "channel", "address"
        )
    )
    sms = [n for n in notifications if n.channel == Channel.SMS]
    sms_ready = bool(sms) and SmsSettings.objects.exists()
    for notification in notifications:
        if (notification.channel, notification.recipient) in opted_out:
            notification.status = NotificationStatus.SKIPPED
            notification.error = "The recipient opted out of this channel."
        elif notification.channel == Channel.SMS and not sms_ready:
            notification.status = NotificationStatus.SKIPPED
            notification.error = SMS_NOT_SET_UP


def quiet_hours_end(tenant: Any, now: datetime) -> datetime | None:
    """When the tenant's quiet hours end if `now` falls inside them, else None."""
    start, end = tenant.quiet_hours_start, tenant.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    moment = local(now, tenant)
    clock = moment.time()
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    ends = datetime.combine(moment.date(), end, tzinfo=moment.tzinfo)
    return ends if ends > moment else ends + timedelta(days=1)


def admin_emails() -> list[str]:
    """Who gets the alerts of this schema: its admins with an address (system admins in public),
    else the tenant's contact address."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    if connection.schema_name == "public":
        users = users.filter(is_staff=True)
    else:
        users = users.filter(Q(role=Role.ADMIN) | Q(is_superuser=True))
    emails = sorted(set(users.values_list("email", flat=True)))
    if not emails:
        contact = current_tenant().contact_email
        emails = [contact] if contact else []
    return emails


def alert_admins(
    *,
    template: str,
    context: dict[str, Any],
    condition: str,
    dedupe_key: str | None = None,
    windowed: bool = True,
    now: datetime | None = None,
) -> list[Notification]:
    """E-mail the admins about `condition`, unless (`windowed`) it was alerted within the
    tenant's alert window: a flapping router does not send a hundred messages. [] when held
    back."""
    now = now or timezone.now()
    with connection.cursor() as cursor:  # two workers alerting the same condition: one wins
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"{connection.schema_name}:notify:{condition}"],
        )
    window = timedelta(minutes=current_tenant().alert_window_minutes)
    recent = Notification.objects.filter(condition=condition, created_at__gte=now - window)
    if windowed and recent.exists():
        logger.info("alert %s held back: already sent within %s", condition, window)
        return []
    return [
        notification_queue(
            channel=Channel.EMAIL,
            recipient=email,
            template=template,
            context=context,
            condition=condition,
            dedupe_key=f"{dedupe_key}:{email}" if dedupe_key else None,
            now=now,
        )
        for email in admin_emails()
    ]


# -- send ----------------------------------------------------------------------------------------
class NotSent(JobGiveUp):
    """A send failed in a way a retry cannot fix: the job ends now (the row says why)."""


def notification_send(*, notification_id: int, now: datetime | None = None) -> dict[str, Any]:
    """One attempt (the SendNotification job's body). Raises SendFailed to be retried."""
    now = now or timezone.now()
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.status in FINAL_STATUSES:
            return {"status": notification.status}  # a redelivered job never sends twice
        if notification.channel == Channel.SMS and _sms_budget_reached(notification, now):
            return {"status": notification.status, "error": notification.error}
        notification.status = NotificationStatus.SENDING
        notification.attempts += 1
        notification.save(update_fields=["status", "attempts"])
    try:
        delivered = channel_for(notification).send(
            Outgoing(notification.recipient, notification.subject, notification.body)
        )
    except SendFailed as exc:
        final = exc.permanent
        with transaction.atomic():
            notification.status = NotificationStatus.FAILED if final else NotificationStatus.QUEUED
            notification.error = str(exc)[:2000]
            notification.save(update_fields=["status", "error"])
            notification_publish(
                notification, "notification.failed" if final else "notification.retrying"
            )
        logger.warning("%s not sent (attempt %s): %s", notification, notification.attempts, exc)
        if final:
            raise NotSent(str(exc)) from exc
        raise
    with transaction.atomic():
        notification.status = NotificationStatus.SENT
        notification.provider_id = delivered.provider_id[:200]
        notification.cost = delivered.cost[:40]
        notification.error = ""
        notification.sent_at = timezone.now()
        notification.save(update_fields=["status", "provider_id", "cost", "error", "sent_at"])
        notification_publish(notification, "notification.sent")
    logger.info("sent %s (%s)", notification, notification.provider_id)
    return {"status": notification.status, "provider_id": notification.provider_id}


def notification_send_failed(job: Job) -> None:
    """SendNotification gave up: the row is failed with the provider's last error."""
    notification = Notification.objects.filter(pk=job.params.get("notification_id")).first()
    if notification is None or notification.status in (
        NotificationStatus.SENT,
        NotificationStatus.SKIPPED,
    ):
        return
    notification.status = NotificationStatus.FAILED
    notification.error = notification.error or job.error
    notification.save(update_fields=["status", "error"])
    notification_publish(notification, "notification.failed")


def channel_for(notification: Notification) -> ChannelAdapter:
    if notification.channel == Channel.EMAIL:
        return EmailChannel()
    config = SmsSettings.objects.first()
    if config is None:
        raise SendFailed(SMS_NOT_SET_UP, permanent=True)
    return SmsChannel(
        AtConfig(
            username=config.username,
            api_key=config.api_key,
            environment=config.environment,
            base_url=config.base_url,
            sender_id=config.sender_id,
        )
    )


def _month_start(tenant: Any, now: datetime) -> datetime:
    moment = local(now, tenant)
    return datetime.combine(moment.date().replace(day=1), time(0), tzinfo=moment.tzinfo)


def sms_sent_this_month(*, now: datetime | None = None) -> int:
    start = _month_start(current_tenant(), now or timezone.now())
    return Notification.objects.filter(
        Q(status=NotificationStatus.SENT, sent_at__gte=start)
        | Q(status=NotificationStatus.SENDING),
        channel=Channel.SMS,
    ).count()


def _sms_budget_reached(notification: Notification, now: datetime) -> bool:
    """Past the tenant's monthly SMS budget: the message is not sent, and the admins are told
    once a month. Serialised per schema so concurrent sends cannot overshoot it."""
    tenant = current_tenant()
    budget = tenant.sms_monthly_budget
    if budget is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{connection.schema_name}:sms-budget"]
        )
    count = sms_sent_this_month(now=now)
    if count < budget:
        return False
    notification.status = NotificationStatus.SKIPPED
    notification.error = f"Monthly SMS budget of {budget} reached."
    notification.save(update_fields=["status", "error"])
    notification_publish(notification, "notification.skipped")
    month = local(now, tenant).strftime("%Y-%m")
    alert_admins(
        template=TemplateKey.SMS_BUDGET_REACHED,
        context={"count": count, "budget": budget, "url": tenant_url(tenant, "/notifications/")},
        condition=f"sms.budget.{month}",
        dedupe_key=f"sms-budget:{month}",
        now=now,
    )
    return True


# -- realtime ------------------------------------------------------------------------------------
def notification_payload(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "channel": notification.channel,
        "recipient": notification.recipient_masked,
        "template": notification.template,
        "status": notification.status,
        "attempts": notification.attempts,
        "error": notification.error,
        "provider_id": notification.provider_id,
        "created_at": notification.created_at.isoformat() if notification.created_at else None,
        "sent_at": notification.sent_at.isoformat() if notification.sent_at else None,
    }


def notification_publish(notification: Notification, event: str) -> None:
    notifications_publish([notification], event)


def notifications_publish(notifications: list[Notification], event: str) -> None:
    events = [(NOTIFICATIONS_TOPIC, event, notification_payload(n)) for n in notifications]
    publish_many(current_tenant_id(), events)


# -- settings ------------------------------------------------------------------------------------
def sms_settings_save(*, actor: Any = None, **fields: Any) -> SmsSettings:
    """Create or update the tenant's one SMS settings row (the API key is never read back)."""
    return single_row_save(
        model=SmsSettings, fields=fields, action=AuditAction.SMS_SETTINGS_SAVE, actor=actor
    )


def opt_out_add(*, channel: str, address: str, actor: Any = None) -> OptOut:
    if channel not in Channel.values:
        raise ValidationError({"channel": [f"Choose one of: {', '.join(Channel.values)}."]})
    address = address.strip()
    if not address:
        raise ValidationError({"address": ["An address or number is required."]})
    with transaction.atomic():
        opt_out, created = OptOut.objects.get_or_create(channel=channel, address=address)
        if created:
            audit_record(actor=actor, action=AuditAction.NOTIFICATION_OPT_OUT, obj=opt_out)
    return opt_out
