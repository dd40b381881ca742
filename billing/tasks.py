"""Billing job kinds: thin bodies that load, call a service, report progress."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

from billing.access import (
    payment_grant_access,
    payment_grant_failed,
    payments_grant_access,
    subscription_provision_failed,
    subscription_provision_router,
    subscriptions_cleanup_pending,
    subscriptions_expire_due,
)
from billing.choices import PAYMENTS_QUEUE, CallbackOutcome
from billing.inbox import inbox_drain, inbox_revive
from billing.lifecycle import subscriptions_lifecycle_advance
from billing.models import PaymentCallback
from billing.mpesa import DarajaError, DarajaRateLimitedError
from billing.services import (
    daraja_client,
    daraja_settings,
    payment_callbacks_match,
    payment_query_resolve,
    payment_settle,
    payments_due_for_query,
    payments_settle,
)
from radtik.jobs.context import JobContext
from radtik.jobs.models import Job
from radtik.jobs.periodic import minute_check_register
from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind
from radtik.jobs.retention import RetentionRule, retention_register

# Minutes a payment may stay pending before it is resolved by STK query.
RECONCILE_AFTER_MINUTES = float(getattr(settings, "BILLING_RECONCILE_AFTER_MINUTES", 3))


def process_payment(ctx: JobContext) -> dict[str, Any]:
    # No progress steps: the job takes milliseconds, and each step costs a write and two events
    # (a quarter of the job at a burst of callbacks). Its result says what happened.
    payment = payment_settle(payment_id=ctx.params["payment_id"])
    return payment_grant_access(payment_id=payment.pk)


def process_payments(jobs: list[Job]) -> list[dict[str, Any] | Exception]:
    """ProcessPayment's batch (radtik.jobs.batch): every payment settled in one transaction,
    the credentials written with one agent call per RADIUS server."""
    ids = [job.params["payment_id"] for job in jobs]
    settled = payments_settle(payment_ids=list(dict.fromkeys(ids)))
    granted = payments_grant_access(
        payment_ids=[pk for pk, payment in settled.items() if not isinstance(payment, Exception)]
    )
    return [granted.get(pk, settled[pk]) for pk in ids]


def provision_router_user(ctx: JobContext) -> dict[str, Any]:
    ctx.progress("provisioning", 20, f"Attempt {ctx.attempt}: creating the hotspot user")
    return subscription_provision_router(subscription_id=ctx.params["subscription_id"])


def reconcile_payments(ctx: JobContext) -> dict[str, int]:
    seconds = ctx.params.get("older_than_seconds", RECONCILE_AFTER_MINUTES * 60)
    due = payments_due_for_query(older_than=timedelta(seconds=float(seconds)))
    counts = {"checked": 0, "resolved": 0, "pending": 0, "errors": 0}
    if not due:
        return counts
    client = daraja_client(daraja_settings())
    for index, payment in enumerate(due, 1):
        try:
            outcome = payment_query_resolve(payment=payment, client=client)
        except DarajaRateLimitedError as exc:
            ctx.log(f"Daraja throttled us; stopping here, the next run continues: {exc}")
            break
        except DarajaError as exc:
            ctx.log(f"payment #{payment.pk}: {exc}", level="warning")
            counts["errors"] += 1
            continue
        counts["checked"] += 1
        if outcome in ("resolved", "pending"):
            counts[outcome] += 1
        ctx.progress("querying", int(index * 100 / len(due)), f"{index}/{len(due)} queried")
    return counts


def expire_subscriptions(ctx: JobContext) -> dict[str, int]:
    expired = subscriptions_expire_due()
    # PPPoE packages with a grace or renew period: grace -> walled -> suspended.
    moved = subscriptions_lifecycle_advance()
    if moved:
        ctx.log("after their end: " + ", ".join(f"{n} {s}" for s, n in sorted(moved.items())))
    ctx.progress("removing", 50, f"{expired} subscription(s) expired; removing their access")
    removed, errors = subscriptions_cleanup_pending()
    if errors:
        raise RuntimeError(f"{len(errors)} could not be removed yet: " + "; ".join(errors[:5]))
    return {"expired": expired, "removed": removed, **{f"moved_{s}": n for s, n in moved.items()}}


# Payments retry quickly: the customer is waiting at the portal.
ProcessPayment = JobKind(
    name="billing.process_payment",
    policy=JobPolicy(attempts=5, timeout=60, delays=(2, 5, 15, 30, 60)),
    run=process_payment,
    # A burst of callbacks is settled many payments per transaction (radtik.jobs.batch).
    run_batch=process_payments,
    on_failed=payment_grant_failed,
    queue=PAYMENTS_QUEUE,
)
ProvisionRouterUser = JobKind(
    name="billing.provision_router_user",
    policy=JobPolicy(attempts=5, timeout=60, delays=(5, 15, 30, 60, 120)),
    run=provision_router_user,
    on_failed=subscription_provision_failed,
)
ReconcilePayments = JobKind(
    name="billing.reconcile",
    policy=JobPolicy(attempts=2, timeout=300, backoff=30),
    run=reconcile_payments,
    every_minutes=1,
    enqueue_once=True,
)
ExpireSubscriptions = JobKind(
    name="billing.expire",
    policy=JobPolicy(attempts=3, timeout=300, backoff=30),
    run=expire_subscriptions,
    every_minutes=1,
    enqueue_once=True,
)


def callbacks_drain(schema_name: str) -> int:
    """The callback inbox's drain (a task of the payments cluster, see billing.inbox)."""
    return inbox_drain(schema_name, payment_callbacks_match)


minute_check_register(inbox_revive)

# Stored callbacks are Daraja's side of the trail; the inbox's waiting ones and those needing an
# operator stay whatever their age.
retention_register(
    RetentionRule(
        name="payment callbacks",
        days_setting="callback_retention_days",
        rows=lambda cutoff: PaymentCallback.objects.filter(received_at__lt=cutoff).exclude(
            outcome__in=[CallbackOutcome.RECEIVED, CallbackOutcome.QUARANTINED]
        ),
    )
)
