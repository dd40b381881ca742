"""Voucher figures for the dashboard, read from counters: by status (VoucherStatusCount, kept
by the vouchers table's trigger) and sold per day (VoucherDay, kept here on VouchersActivated, in
the transaction of the first use)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from radtik.events import DomainEvent, listen
from vouchers.choices import VOUCHERS_TOPIC, SyncStatus, VoucherStatus
from vouchers.models import VoucherCount, VoucherDay


@listen(VOUCHERS_TOPIC, "VouchersActivated")
def voucher_sold_count(event: DomainEvent) -> None:
    """A voucher's first use is its sale (vouchers are sold on paper): counted on the day of
    that use in the account's time zone, one upsert per day an event's vouchers were used."""
    from tenants.selectors import schema_time_zone

    zone = schema_time_zone(connection.schema_name)
    days = Counter(
        timezone.localdate(
            datetime.fromisoformat(used) if (used := v.get("first_used_at")) else timezone.now(),
            zone,
        )
        for v in event.payload.get("vouchers", [])
    )
    with connection.cursor() as cursor:
        for day, sold in sorted(days.items()):  # in key order: two pages never deadlock
            cursor.execute(
                "INSERT INTO vouchers_voucherday (day, sold) VALUES (%s, %s) ON CONFLICT (day)"
                " DO UPDATE SET sold = vouchers_voucherday.sold + EXCLUDED.sold",
                [day, sold],
            )


def voucher_counts() -> dict[str, int]:
    """{status: vouchers} for every status, and "sync_failed" (a handful of rows read)."""
    stored = dict(VoucherCount.objects.values_list("key", "count"))
    counts = {status: stored.get(status, 0) for status in VoucherStatus.values}
    counts["sync_failed"] = stored.get(f"sync:{SyncStatus.FAILED}", 0)
    return counts


def vouchers_sold(day: date) -> int:
    return VoucherDay.objects.filter(day=day).values_list("sold", flat=True).first() or 0
