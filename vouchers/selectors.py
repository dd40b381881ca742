from collections.abc import Mapping

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from radius.choices import OwnerKind
from radius.models import RadiusServer
from radius.namespace import radius_owner
from radius.users import RadiusOwner
from radtik import lookups  # noqa: F401  (field__any)
from radtik.lists import filtered
from vouchers.choices import SyncStatus
from vouchers.filtersets import VoucherBatchFilter, VoucherFilter, VoucherProfileFilter
from vouchers.models import Voucher, VoucherBatch, VoucherBatchCount, VoucherProfile


def _vouchers_with(status: str) -> Coalesce:
    # The batch's counter row (kept by the vouchers table's trigger), read for the page's rows
    # only (after ORDER BY/LIMIT): a few rows, whatever the batches' sizes.
    count = VoucherBatchCount.objects.filter(batch_id=OuterRef("pk"), sync_status=status)
    return Coalesce(Subquery(count.values("count")[:1]), 0)


def voucher_batch_owner(batch_id: int) -> RadiusOwner:
    return radius_owner(kind=OwnerKind.VOUCHER_BATCH, id=batch_id)


def voucher_username_owners(server: RadiusServer, usernames: list[str]) -> dict[str, RadiusOwner]:
    """The batches of this server holding these names (registered in radius.namespace)."""
    rows = Voucher.objects.filter(batch__radius_server=server, username__any=set(usernames))
    owners: dict[int, RadiusOwner] = {}  # one per batch: a sync asks about 1,000 of its own
    return {
        name: owners.get(batch_id) or owners.setdefault(batch_id, voucher_batch_owner(batch_id))
        for name, batch_id in rows.values_list("username", "batch_id")
    }


def batch_counts(batch: VoucherBatch) -> dict[str, int]:
    """The batch's vouchers by sync status, and their total: from batch_list's annotations when
    the batch came from there (a whole page in one query), else from its counter rows."""
    if hasattr(batch, f"n_{SyncStatus.SYNCED}"):
        counts = {status: getattr(batch, f"n_{status}") for status in SyncStatus.values}
    else:
        counts = {status: 0 for status in SyncStatus.values}
        rows = VoucherBatchCount.objects.filter(batch_id=batch.pk)
        counts.update(rows.values_list("sync_status", "count"))
    counts["total"] = sum(counts[s] for s in SyncStatus.values)
    return counts


def profile_list(*, filters: Mapping | None = None) -> QuerySet[VoucherProfile]:
    return filtered(VoucherProfileFilter, VoucherProfile.objects.all(), filters)


def batch_list(*, filters: Mapping | None = None) -> QuerySet[VoucherBatch]:
    batches = VoucherBatch.objects.select_related("profile", "radius_server").annotate(
        **{f"n_{status}": _vouchers_with(status) for status in SyncStatus.values}
    )
    return filtered(VoucherBatchFilter, batches, filters)


def voucher_list(*, filters: Mapping | None = None) -> QuerySet[Voucher]:
    return filtered(VoucherFilter, Voucher.objects.all(), filters)


def batch_vouchers_in_order(batch: VoucherBatch) -> QuerySet[Voucher]:
    """A batch's vouchers in id order, read from the (batch, id) index. With "batch_id = X"
    the planner drops batch_id from the order (a constant) and, taking the batch's rows to
    be spread over the table, reads the primary key instead: a 200,000-voucher batch made
    after another batch's 100,000 took 64 ms for its first 100 rather than 0.1 ms, stepping
    over the other batch's rows. "= ANY([X])" keeps batch_id in the order, which only the
    (batch, id) index gives."""
    return Voucher.objects.filter(batch_id__any=[batch.pk]).order_by("batch_id", "id")


def batch_voucher_list(*, batch: VoucherBatch, filters: Mapping | None = None) -> QuerySet[Voucher]:
    others = {key: value for key, value in (filters or {}).items() if key != "batch"}
    return filtered(VoucherFilter, batch_vouchers_in_order(batch), others)
