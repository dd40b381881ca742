"""A PPPoE subscription after its end: grace, walled ("renew"), suspended; paying restores it.

    active --ends_at--> grace --grace_seconds--> renew --renew_seconds--> suspended
      ^                   |                        |                          |
      +------------------ a completed payment (subscription_activate) -------+

- grace: service as before (FreeRADIUS's Expiration is the end of every period,
  billing.access.subscription_access_until, so nothing changes in RADIUS).
- renew: its RADIUS user replies Mikrotik-Address-List=radtik-renew and its session is ended
  (accounting.disconnect), so the router logs it in again onto that list; provisioning's PPPoE
  items send the list's web traffic to the portal's renew page and drop the rest.
- suspended: access removed (RADIUS rejects, the router's session ends) by the expiry job's
  cleanup, as for an expired hotspot subscription.
- paid while walled: the payment writes the RADIUS user without the list, then the walled
  session is ended (accounting.disconnect) so the next login has the package's limits.

The billing.expire job (every minute) calls subscriptions_lifecycle_advance; every move is one
call with an audit entry and an event on the subscriptions topic.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F, Q, Value
from django.utils import timezone

from accounting.ingest import server_ingest
from billing.access import LIFECYCLE_PACKAGES, subscriptions_radius_write
from billing.choices import Service, SubscriptionStatus
from billing.events import subscription_publish
from billing.models import Subscription
from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_changes, audit_record
from routers.connection import router_session

logger = logging.getLogger(__name__)

MOVING = (SubscriptionStatus.ACTIVE, SubscriptionStatus.GRACE, SubscriptionStatus.RENEW)
EVENTS = {
    SubscriptionStatus.GRACE: "SubscriptionGrace",
    SubscriptionStatus.RENEW: "SubscriptionWalled",
    SubscriptionStatus.SUSPENDED: "SubscriptionSuspended",
}


def lifecycle_status(subscription: Subscription, now: datetime) -> str:
    """Where a subscription of a lifecycle package stands at `now`."""
    package = subscription.package
    grace_end = subscription.ends_at + timedelta(seconds=package.grace_seconds)
    if now < subscription.ends_at:
        return SubscriptionStatus.ACTIVE
    if now < grace_end:
        return SubscriptionStatus.GRACE
    if now < grace_end + timedelta(seconds=package.renew_seconds):
        return SubscriptionStatus.RENEW
    return SubscriptionStatus.SUSPENDED


def subscriptions_lifecycle_advance(*, now: datetime | None = None) -> dict[str, int]:
    """Move every lifecycle subscription past its end to where it stands now; how many went
    to each state. One subscription's failure (its RADIUS server down) does not stop the rest:
    it stays where it was and the next run tries again."""
    now = now or timezone.now()
    duration = DurationField()
    grace = ExpressionWrapper(
        F("package__grace_seconds") * Value(timedelta(seconds=1)), output_field=duration
    )
    renew = ExpressionWrapper(
        F("package__renew_seconds") * Value(timedelta(seconds=1)), output_field=duration
    )
    # Only those whose period has ended: a grace period of many subscribers must not fill
    # every run's 500 with ones that stay where they are.
    due = (
        Subscription.objects.filter(LIFECYCLE_PACKAGES, ends_at__lte=now)
        .annotate(grace_end=F("ends_at") + grace)
        .annotate(renew_end=F("grace_end") + renew)
        .filter(
            Q(status=SubscriptionStatus.ACTIVE)
            | Q(status=SubscriptionStatus.GRACE, grace_end__lte=now)
            | Q(status=SubscriptionStatus.RENEW, renew_end__lte=now)
        )
        .select_related("package", "router", "radius_server")
        .order_by("ends_at")[:500]
    )
    moved: dict[str, int] = {}
    for subscription in due:
        status = lifecycle_status(subscription, now)
        if status == subscription.status:
            continue
        try:
            subscription_lifecycle_move(subscription=subscription, status=status)
        except Exception as exc:  # noqa: BLE001 - the next run retries this one
            logger.warning("Could not move %s to %s: %s", subscription.username, status, exc)
            Subscription.objects.filter(pk=subscription.pk).update(last_error=str(exc)[:500])
            continue
        moved[status] = moved.get(status, 0) + 1
    return moved


def subscription_lifecycle_move(
    *, subscription: Subscription, status: str, actor: Any = None
) -> Subscription:
    """One move after the end (grace, renew or suspended), with its audit entry and event.
    Walled, its RADIUS user gets the renew list before its session is ended."""
    if status == SubscriptionStatus.RENEW and subscription.radius_server_id:
        # RADIUS first: the session ended below logs in again onto the list.
        subscription.status = SubscriptionStatus.RENEW
        errors = subscriptions_radius_write([subscription])
        if errors:
            raise errors[subscription.pk]
    with transaction.atomic():
        locked = Subscription.objects.select_for_update(of=("self",)).get(pk=subscription.pk)
        if locked.status not in MOVING:
            return locked  # paid, suspended or changed by an operator meanwhile
        before = {"status": locked.status}
        locked.status = status
        fields = ["status", "updated_at"]
        if status == SubscriptionStatus.RENEW:
            locked.walled_session = True
            fields.append("walled_session")
        elif status == SubscriptionStatus.SUSPENDED:
            # The expiry job's cleanup removes its RADIUS user and ends its session.
            locked.cleanup_pending, locked.walled_session = True, False
            fields += ["cleanup_pending", "walled_session"]
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            action=AuditAction.SUBSCRIPTION_LIFECYCLE,
            obj=locked,
            changes=audit_changes(before, {"status": status}),
        )
        subscription_publish(locked, EVENTS[status])
    if status == SubscriptionStatus.RENEW:
        if locked.radius_server_id is not None:
            # Its sessions so far in accounting: the disconnect job then reads in the rest of
            # that server's (it ingests the servers of the sessions it is asked to end).
            try:
                server_ingest(server=subscription.radius_server)
            except Exception as exc:  # noqa: BLE001 - the job still ends what it knows of
                logger.warning("Accounting of %s not read: %s", subscription.username, exc)
        subscription_sessions_end(
            subscription=locked, reason=f"subscription {locked.username} walled (renew)"
        )
    return locked


def subscription_restore(*, subscription: Subscription) -> None:
    """Paid after being walled, its RADIUS user just written without the renew list: the walled
    session is ended so the router logs it in again with the package's limits. Called in the
    payment's transaction (billing.access), after the write."""
    Subscription.objects.filter(pk=subscription.pk).update(walled_session=False)
    subscription.walled_session = False
    audit_record(
        actor=None,
        action=AuditAction.SUBSCRIPTION_RESTORED,
        obj=subscription,
        changes={"walled_session": {"old": True, "new": False}},
    )
    subscription_publish(subscription, "SubscriptionRestored")
    subscription_sessions_end(
        subscription=subscription, reason=f"subscription {subscription.username} renewed"
    )


def subscription_sessions_end(*, subscription: Subscription, reason: str) -> None:
    """End the subscription's sessions so the next login reads its RADIUS user afresh: the
    accounting.disconnect job (Disconnect-Request, the RouterOS API when the router does not
    comply), or, for a router without RADIUS, its /ppp/active entry over the API now."""
    from accounting.disconnect import sessions_disconnect  # accounting depends on billing

    if subscription.radius_server_id is not None:
        sessions_disconnect(reason=reason, subscriptions=[subscription.pk], target=subscription)
        return
    if subscription.router is None or subscription.package.service != Service.PPPOE:
        return
    with router_session(subscription.router, timeout=settings.ROUTER_API_TIMEOUT) as api:
        api.ppp_active_remove_by_name(subscription.username)
