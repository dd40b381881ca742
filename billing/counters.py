"""Counters of payments per package and day (PaymentDay), kept by the services that move a
payment, in the same transaction: initiated (started), completed (with its income), failed,
flagged. The day is the account's (its time zone) on which the move happened. Each count asks
for a (coalesced) dashboard re-render: a completion has no event until access is set up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from billing.choices import PaymentStatus
from billing.models import Payment
from tenants.dashboard import dashboard_changed

# The status each count column counts moves into, in the table's order (started: pending).
_STATUSES = (
    PaymentStatus.PENDING,
    PaymentStatus.COMPLETED,
    PaymentStatus.FAILED,
    PaymentStatus.FLAGGED,
)
_UPSERT = """
INSERT INTO billing_paymentday (day, package_id, started, completed, failed, flagged, income)
VALUES {rows}
ON CONFLICT (day, package_id) DO UPDATE SET
    started = billing_paymentday.started + EXCLUDED.started,
    completed = billing_paymentday.completed + EXCLUDED.completed,
    failed = billing_paymentday.failed + EXCLUDED.failed,
    flagged = billing_paymentday.flagged + EXCLUDED.flagged,
    income = billing_paymentday.income + EXCLUDED.income
"""
_ROW = "(%s, %s, %s, %s, %s, %s, %s)"


def account_today() -> date:
    """Today in the account's time zone (the schema the caller is in)."""
    from tenants.selectors import schema_time_zone

    return timezone.localdate(timezone.now(), schema_time_zone(connection.schema_name))


def payment_counted(payment: Payment) -> None:
    """Count `payment`'s move into its current status (call once per move, inside its
    transaction: the counter commits or rolls back with the payment)."""
    payments_counted([payment])


def payments_counted(payments: Iterable[Payment]) -> None:
    """payment_counted for many moves at once: one upsert of a row per package, in package
    order (two batches counting the same packages lock their rows in the same order)."""
    totals: dict[int, list] = {}
    for payment in payments:
        row = totals.setdefault(payment.package_id, [0] * len(_STATUSES) + [Decimal(0)])
        status = PaymentStatus(payment.status)
        row[_STATUSES.index(status)] += 1
        if status == PaymentStatus.COMPLETED:
            row[-1] += payment.amount
    if not totals:
        return
    day = account_today()
    params = [value for package in sorted(totals) for value in (day, package, *totals[package])]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(rows=", ".join([_ROW] * len(totals))), params)
    dashboard_changed()
