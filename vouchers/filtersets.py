"""The query filters of the voucher lists, shared by the pages and the API (see radtik.lists)."""

import django_filters

from vouchers.choices import SyncStatus, VoucherStatus
from vouchers.models import Voucher, VoucherBatch, VoucherProfile


class VoucherProfileFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label="Name contains")

    class Meta:
        model = VoucherProfile
        fields = ["name"]


class VoucherBatchFilter(django_filters.FilterSet):
    note = django_filters.CharFilter(lookup_expr="icontains", label="Note contains")

    class Meta:
        model = VoucherBatch
        fields = ["profile", "radius_server", "note"]


class VoucherFilter(django_filters.FilterSet):
    # By id, not a choice of batches: a tenant may have thousands, and an unknown id lists none.
    batch = django_filters.NumberFilter(field_name="batch_id", label="Batch")
    status = django_filters.ChoiceFilter(choices=VoucherStatus.choices)
    sync_status = django_filters.ChoiceFilter(
        field_name="radius_sync_status", choices=SyncStatus.choices, label="RADIUS sync"
    )
    username = django_filters.CharFilter(label="Code")

    class Meta:
        model = Voucher
        fields = ["batch", "status", "sync_status", "username"]
