"""Counters of payments per package and day (PaymentDay), kept by the services that move a
payment, in the same transaction: initiated (started), completed (with its income), failed,
flagged. The day is the account's (its time zone) on which the move happened. Each count asks
for a (coalesced) dashboard re-render: a completion has no event until access is set up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from billing.choices import PaymentStatus
from billing.models import Payment
from tenants.dashboard import dashboard_changed

_COLUMN = {
    PaymentStatus.PENDING: "started",
    PaymentStatus.COMPLETED: "completed",
    PaymentStatus.FAILED: "failed",
    PaymentStatus.FLAGGED: "flagged",
}
_UPSERT = """
INSERT INTO billing_paymentday (day, package_id, started, completed, failed, flagged, income)
VALUES (%(day)s, %(package)s, %(started)s, %(completed)s, %(failed)s, %(flagged)s, %(income)s)
ON CONFLICT (day, package_id) DO UPDATE SET
    started = billing_paymentday.started + EXCLUDED.started,
    completed = billing_paymentday.completed + EXCLUDED.completed,
    failed = billing_paymentday.failed + EXCLUDED.failed,
    flagged = billing_paymentday.flagged + EXCLUDED.flagged,
    income = billing_paymentday.income + EXCLUDED.income
"""


def account_today() -> date:
    """Today in the account's time zone (the schema the caller is in)."""
    from tenants.selectors import schema_time_zone

    return timezone.localdate(timezone.now(), schema_time_zone(connection.schema_name))


def payment_counted(payment: Payment) -> None:
    """Count `payment`'s move into its current status (call once per move, inside its
    transaction: the counter commits or rolls back with the payment)."""
    values = {column: 0 for column in _COLUMN.values()}
    values[_COLUMN[PaymentStatus(payment.status)]] = 1
    income = payment.amount if payment.status == PaymentStatus.COMPLETED else Decimal(0)
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSERT,
            {"day": account_today(), "package": payment.package_id, "income": income, **values},
        )
    dashboard_changed()
