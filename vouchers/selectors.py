from django.db.models import Count, QuerySet

from radius.choices import OwnerKind
from radius.models import RadiusServer
from radius.namespace import radius_owner
from radius.users import RadiusOwner
from vouchers.choices import SyncStatus
from vouchers.models import Voucher, VoucherBatch


def voucher_batch_owner(batch_id: int) -> RadiusOwner:
    return radius_owner(kind=OwnerKind.VOUCHER_BATCH, id=batch_id)


def voucher_username_owners(server: RadiusServer, usernames: list[str]) -> dict[str, RadiusOwner]:
    """The batches of this server holding these names (registered in radius.namespace)."""
    rows = Voucher.objects.filter(batch__radius_server=server, username__in=usernames)
    return {
        name: voucher_batch_owner(batch_id)
        for name, batch_id in rows.values_list("username", "batch_id")
    }


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
