"""A batch's counts by sync status come from counter rows the vouchers table's trigger keeps:
they must equal counting the vouchers after every kind of change (COPY, bulk UPDATE, one
voucher's save, deletes), and leave no rows behind when the batch goes."""

from __future__ import annotations

import pytest
from django.db.models import Count
from django_tenants.utils import schema_context

from radius.services import radius_server_create
from vouchers import services
from vouchers.models import Voucher, VoucherBatch, VoucherBatchCount
from vouchers.selectors import batch_counts, batch_list


def counted(batch: VoucherBatch) -> dict[str, int]:
    counts = {"pending": 0, "synced": 0, "failed": 0}
    rows = Voucher.objects.filter(batch=batch).values("radius_sync_status").annotate(n=Count("id"))
    counts.update({row["radius_sync_status"]: row["n"] for row in rows})
    return {**counts, "total": sum(counts.values())}


@pytest.mark.django_db
def test_batch_counts_follow_every_change_and_leave_with_the_batch(tenants):
    with schema_context("alpha"):
        server = radius_server_create(
            name="r1", host="127.0.0.1", api_base_url="http://127.0.0.1:9", token="t"
        ).server
        profile = services.profile_create(name="1 hour", time_limit=3600)
        first = services.batch_create(profile=profile, radius_server=server, count=40).batch
        other = services.batch_create(profile=profile, radius_server=server, count=7).batch
        assert batch_counts(first) == {"pending": 40, "synced": 0, "failed": 0, "total": 40}

        ids = list(first.vouchers.order_by("id").values_list("id", flat=True))
        Voucher.objects.filter(pk__in=ids[:25]).update(radius_sync_status="synced")
        Voucher.objects.filter(pk__in=ids[25:28]).update(radius_sync_status="failed")
        one = Voucher.objects.get(pk=ids[30])
        one.radius_sync_status = "failed"
        one.save()
        Voucher.objects.filter(pk__in=ids[:2]).delete()
        expected = {"pending": 11, "synced": 23, "failed": 4, "total": 38}
        assert counted(first) == expected
        assert batch_counts(first) == expected
        listed = {batch.pk: batch_counts(batch) for batch in batch_list()}
        assert listed[first.pk] == expected
        assert listed[other.pk] == {"pending": 7, "synced": 0, "failed": 0, "total": 7}

        first.delete()
        assert not VoucherBatchCount.objects.filter(batch_id=first.pk).exists()
        assert batch_counts(other) == counted(other)
