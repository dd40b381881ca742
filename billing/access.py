"""Network access for subscriptions: RADIUS entries through the agent, hotspot users or PPPoE
secrets on routers in local-user mode, and their removal at expiry. Called from jobs, never from
requests."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billing.choices import (
    RENEW_ADDRESS_LIST,
    WITHOUT_ACCESS,
    PaymentStatus,
    Service,
    SubscriptionStatus,
    SyncState,
)
from billing.events import payment_publish, payments_publish, subscription_publish
from billing.models import Payment, Subscription
from billing.selectors import subscription_owner
from radius.client import agent_client_for
from radius.namespace import radius_users_delete, radius_users_send
from radius.users import RadiusUser
from radius.users import radius_user as _radius_user
from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_changes, audit_record
from radtik.jobs.models import Job
from routers.connection import router_session

logger = logging.getLogger(__name__)

# Subscriptions of PPPoE packages with a grace or renew period (Package.has_lifecycle).
LIFECYCLE_PACKAGES = Q(package__service=Service.PPPOE) & (
    Q(package__grace_seconds__gt=0) | Q(package__renew_seconds__gt=0)
)


def subscription_access_until(subscription: Subscription) -> datetime:
    """When FreeRADIUS stops accepting it (Expiration): its end, or for a PPPoE package with a
    lifecycle the end of its grace and renew periods (billing.lifecycle walls and suspends it
    on the way; this end holds even if that sweep is late)."""
    package = subscription.package
    if not package.has_lifecycle:
        return subscription.ends_at
    return subscription.ends_at + timedelta(seconds=package.grace_seconds + package.renew_seconds)


def subscription_radius_user(subscription: Subscription) -> RadiusUser:
    walled = subscription.status == SubscriptionStatus.RENEW
    return _radius_user(
        username=subscription.username,
        password=subscription.password,
        owner=subscription_owner(subscription.pk),
        limits=subscription.package.radius_limits(),
        groups=[subscription.package.name],
        expires_at=subscription_access_until(subscription),
        # Walled: the router puts its address on the renew list (portal only).
        address_list=RENEW_ADDRESS_LIST if walled else None,
    )


radius_user = subscription_radius_user  # its former name; other helpers' code may still call it


def payment_grant_access(*, payment_id: int) -> dict[str, Any]:
    """After settling: write the credentials to RADIUS (idempotent), then tell the portal."""
    outcome = payments_grant_access(payment_ids=[payment_id])[payment_id]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def payments_grant_access(*, payment_ids: list[int]) -> dict[int, dict[str, Any] | Exception]:
    """payment_grant_access for many settled payments: one agent call per RADIUS server for all
    their credentials. Each payment's result, or the error that kept its access from working."""
    payments = Payment.objects.select_related(
        "subscription__package", "subscription__radius_server", "package"
    ).in_bulk(payment_ids)
    outcomes: dict[int, dict[str, Any] | Exception] = {}
    granted: list[Payment] = []
    for payment_id in payment_ids:
        payment = payments.get(payment_id)
        if payment is None:
            outcomes[payment_id] = Payment.DoesNotExist(f"Payment #{payment_id} does not exist.")
        elif payment.status != PaymentStatus.COMPLETED or payment.subscription is None:
            outcomes[payment_id] = {"status": payment.status}
        else:
            granted.append(payment)
    # FAILED too: an operator's retry after the cause is fixed must write the credentials.
    pending = {
        payment.subscription.pk: payment.subscription
        for payment in granted
        if payment.subscription.radius_state in (SyncState.PENDING, SyncState.FAILED)
        and payment.subscription.radius_server
    }
    errors = subscriptions_radius_write(list(pending.values()))
    ready: list[Payment] = []
    with transaction.atomic():
        for payment in granted:
            subscription = payment.subscription
            if subscription.pk in errors:
                outcomes[payment.pk] = errors[subscription.pk]
                continue
            if subscription.pk in pending:
                subscription.radius_state = SyncState.SYNCED
                if subscription.walled_session:
                    from billing.lifecycle import subscription_restore  # it builds on this

                    subscription_restore(subscription=subscription)
            ready.append(payment)
            outcomes[payment.pk] = {
                "status": payment.status,
                "subscription": subscription.pk,
                "radius": subscription.radius_state,
            }
        _access_ready(ready, "payment.completed")
    return outcomes


def subscriptions_radius_write(subscriptions: list[Subscription]) -> dict[int, Exception]:
    """Write (or rewrite) the subscriptions' RADIUS users, one call per server; the errors by
    subscription, e.g. a username that is another source's on that server."""
    errors: dict[int, Exception] = {}
    by_server: dict[int, list[Subscription]] = {}
    for subscription in subscriptions:
        by_server.setdefault(subscription.radius_server_id, []).append(subscription)
    synced: list[int] = []
    for group in by_server.values():
        server = group[0].radius_server
        try:
            with agent_client_for(server) as agent:
                result = radius_users_send(
                    agent=agent, server=server, users=[subscription_radius_user(s) for s in group]
                )
        except Exception as exc:  # the server as a whole (unreachable, refused): each retries
            errors.update((subscription.pk, exc) for subscription in group)
            continue
        refused = {error.index: error.reason for error in result.errors}
        for index, subscription in enumerate(group):
            if index not in refused:
                synced.append(subscription.pk)
                continue
            reason = refused[index]
            Subscription.objects.filter(pk=subscription.pk).update(
                radius_state=SyncState.FAILED, last_error=reason[:500]
            )
            errors[subscription.pk] = RuntimeError(
                f"RADIUS refused {subscription.username}: {reason}"
            )
    if synced:
        Subscription.objects.filter(pk__in=synced).update(radius_state=SyncState.SYNCED)
    return errors


def payment_grant_failed(job: Job) -> None:
    """ProcessPayment gave up: the subscription and the payment show why, operators and the
    customer's page are told (no credentials that would not work)."""
    payment = Payment.objects.filter(pk=job.params.get("payment_id")).first()
    if payment is None or payment.subscription_id is None:
        return
    Subscription.objects.filter(pk=payment.subscription_id).update(
        radius_state=SyncState.FAILED, last_error=job.error[:500]
    )
    _access_failed(payment, job, "payment.access_failed")


def subscription_provision_router(*, subscription_id: int) -> dict[str, Any]:
    """Create or update the subscription's hotspot user, or PPPoE secret for a PPPoE package,
    on a local-user router (no duplicates)."""
    subscription = Subscription.objects.select_related("package", "router").get(pk=subscription_id)
    if subscription.status != SubscriptionStatus.ACTIVE or subscription.router is None:
        return {"skipped": subscription.status}
    package = subscription.package
    with router_session(subscription.router, timeout=settings.ROUTER_API_TIMEOUT) as api:
        if package.service == Service.PPPOE:
            # A secret has no uptime or byte limits: its end is the subscription's, enforced by
            # the expiry job; the PPP profile carries the rate limit.
            item = api.ppp_secret_upsert(
                subscription.username, subscription.password, package.router_profile
            )
        else:
            item = api.hotspot_user_upsert(
                subscription.username,
                subscription.password,
                package.router_profile,
                limit_uptime=package.time_limit,
                limit_bytes_total=package.data_limit,
            )
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk).update(
            router_state=SyncState.SYNCED, last_error=""
        )
        audit_record(
            actor=None,
            action=AuditAction.SUBSCRIPTION_ROUTER_PROVISIONED,
            obj=subscription,
            changes=audit_changes(
                {"router_state": subscription.router_state}, {"router_state": SyncState.SYNCED}
            ),
        )
        payment = subscription.payments.select_related("package", "subscription").first()
        if payment is not None:
            _access_ready([payment], "user.provisioned")
    return {"router": subscription.router.name, "item": item}


def subscription_provision_failed(job: Job) -> None:
    """Creating the router user gave up: as payment_grant_failed, for its latest payment."""
    subscription = Subscription.objects.filter(pk=job.params.get("subscription_id")).first()
    if subscription is None:
        return
    Subscription.objects.filter(pk=subscription.pk).update(
        router_state=SyncState.FAILED, last_error=job.error[:500]
    )
    payment = subscription.payments.first()
    if payment is not None:
        _access_failed(payment, job, "user.provisioning_failed")


def _access_failed(payment: Payment, job: Job, event: str) -> None:
    # The why (job.error) is the subscription's last_error: the customer's page shows this text.
    reason = f"Paid, but access could not be set up: see the subscription; retry job #{job.pk}."
    Payment.objects.filter(pk=payment.pk).update(status_reason=reason)
    # Reloaded: the subscription's state, just written, decides what the portal shows.
    payment_publish(
        Payment.objects.select_related("package", "subscription").get(pk=payment.pk), event
    )


def _access_ready(payments: list[Payment], event: str) -> None:
    """Access works (again): a reason left by _access_failed goes."""
    failed_before = [payment for payment in payments if payment.status_reason]
    if failed_before:
        Payment.objects.filter(pk__in=[p.pk for p in failed_before]).update(status_reason="")
        for payment in failed_before:
            payment.status_reason = ""
    payments_publish([(payment, event) for payment in payments])


# -- expiry --------------------------------------------------------------------------------------
def subscriptions_expire_due(*, now: Any = None) -> int:
    """Mark active subscriptions past their end expired; their removal is then pending."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Subscription.objects.select_for_update(of=("self",))
            .filter(status=SubscriptionStatus.ACTIVE, ends_at__lte=now)
            .exclude(LIFECYCLE_PACKAGES)  # billing.lifecycle moves these along
        )
        for subscription in due:
            subscription_expire(subscription=subscription)
    return len(due)


def subscription_expire(*, subscription: Subscription, actor: Any = None) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(
        status=SubscriptionStatus.EXPIRED, cleanup_pending=True
    )
    audit_record(
        actor=actor,
        action=AuditAction.SUBSCRIPTION_EXPIRE,
        obj=subscription,
        changes=audit_changes(
            {"status": subscription.status}, {"status": SubscriptionStatus.EXPIRED}
        ),
    )
    subscription.status = SubscriptionStatus.EXPIRED
    subscription_publish(subscription, "SubscriptionExpired")


def subscription_remove_access(*, subscription: Subscription) -> None:
    """Remove RADIUS entries, the router's hotspot user or PPPoE secret, and its active sessions.
    Idempotent."""
    if subscription.radius_server is not None:
        with agent_client_for(subscription.radius_server) as agent:
            radius_users_delete(agent=agent, usernames=[subscription.username])
    if subscription.router is not None:
        pppoe = subscription.package.service == Service.PPPOE
        with router_session(subscription.router, timeout=settings.ROUTER_API_TIMEOUT) as api:
            if subscription.router.radius_server_id is None:
                if pppoe:
                    api.ppp_secret_remove(subscription.username)
                else:
                    api.hotspot_user_remove(subscription.username)
            if pppoe:
                api.ppp_active_remove_by_name(subscription.username)
            else:
                api.hotspot_active_remove_by_user(subscription.username)
    Subscription.objects.filter(pk=subscription.pk, status__in=WITHOUT_ACCESS).update(
        cleanup_pending=False,
        radius_state=SyncState.NOT_NEEDED,
        router_state=SyncState.NOT_NEEDED,
    )


def subscriptions_cleanup_pending() -> tuple[int, list[str]]:
    """Remove access of every expired or suspended subscription still holding it; errors are
    collected."""
    done, errors = 0, []
    pending = Subscription.objects.filter(
        status__in=WITHOUT_ACCESS, cleanup_pending=True
    ).select_related("router", "radius_server", "package")
    for subscription in pending:
        try:
            subscription_remove_access(subscription=subscription)
            done += 1
        except Exception as exc:  # noqa: BLE001 - one unreachable router must not stop the rest
            logger.warning("Could not remove access of %s: %s", subscription.username, exc)
            errors.append(f"{subscription.username}: {exc}")
            Subscription.objects.filter(pk=subscription.pk).update(last_error=str(exc)[:500])
    return done, errors
