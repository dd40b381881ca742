from django.db.models import Count, QuerySet

from vouchers.choices import SyncStatus
from vouchers.models import Voucher, VoucherBatch


def batch_counts(batch: VoucherBatch) -> dict[str, int]:
    counts = {status: 0 for status in SyncStatus.values}
    rows = (
        Voucher.objects.filter(batch=batch)
        .values("radius_sync_status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["radius_sync_status"]] = row["n"]
    counts["total"] = sum(counts[s] for s in SyncStatus.values)
    return counts


def voucher_list(
    *, batch: int | None = None, status: str | None = None, sync_status: str | None = None
) -> QuerySet[Voucher]:
    vouchers = Voucher.objects.all()
    if batch:
        vouchers = vouchers.filter(batch_id=batch)
    if status:
        vouchers = vouchers.filter(status=status)
    if sync_status:
        vouchers = vouchers.filter(radius_sync_status=sync_status)
    return vouchers
