"""Notification job kinds: sending one message, and the minute checks (reminders, routers
down for too long)."""

from __future__ import annotations

import os
from typing import Any

from radtik.jobs.context import JobContext
from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind
from radtik.jobs.retention import RetentionRule, retention_register
from radtik.notifications.choices import FINAL_STATUSES
from radtik.notifications.models import Notification
from radtik.notifications.services import notification_send, notification_send_failed
from radtik.notifications.triggers import routers_down_alert, subscription_reminders_queue

# Seconds between attempts of a send; the tests shorten them (NOTIFY_RETRY_DELAYS=1,1).
RETRY_DELAYS = tuple(
    float(s) for s in os.environ.get("NOTIFY_RETRY_DELAYS", "10,60,300").split(",") if s.strip()
)


def send_notification(ctx: JobContext) -> dict[str, Any]:
    return notification_send(notification_id=ctx.params["notification_id"])


def notification_checks(ctx: JobContext) -> dict[str, int]:
    reminders = subscription_reminders_queue()
    ctx.progress("routers", 50, f"{reminders} reminder(s) queued")
    return {"reminders": reminders, "router_alerts": routers_down_alert()}


SendNotification = JobKind(
    name="notifications.send",
    policy=JobPolicy(attempts=len(RETRY_DELAYS) + 1, timeout=60, delays=RETRY_DELAYS),
    run=send_notification,
    on_failed=notification_send_failed,
)
NotificationChecks = JobKind(
    name="notifications.checks",
    policy=JobPolicy(attempts=2, timeout=120, backoff=20),
    run=notification_checks,
    every_minutes=1,
    enqueue_once=True,
)

# Messages still to be sent stay whatever their age.
retention_register(
    RetentionRule(
        name="notifications",
        days_setting="notification_retention_days",
        rows=lambda cutoff: Notification.objects.filter(
            created_at__lt=cutoff, status__in=FINAL_STATUSES
        ),
    )
)
