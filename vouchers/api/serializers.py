from rest_framework import serializers

from radius.models import RadiusServer
from vouchers.choices import MAX_BATCH
from vouchers.models import Voucher, VoucherBatch, VoucherProfile
from vouchers.selectors import batch_counts


class VoucherProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = VoucherProfile
        fields = [
            "id",
            "name",
            "time_limit",
            "validity_mode",
            "validity_seconds",
            "expires_at",
            "data_limit",
            "rate_limit",
            "simultaneous_use",
            "price",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class VoucherBatchSerializer(serializers.ModelSerializer):
    counts = serializers.SerializerMethodField()
    profile = serializers.SlugRelatedField(slug_field="name", read_only=True)
    radius_server = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = VoucherBatch
        fields = [
            "id",
            "profile",
            "radius_server",
            "count",
            "prefix",
            "code_length",
            "separate_password",
            "note",
            "created_at",
            "counts",
        ]
        read_only_fields = fields

    def get_counts(self, batch: VoucherBatch) -> dict[str, int]:
        return batch_counts(batch)


class VoucherBatchCreateSerializer(serializers.Serializer):
    profile = serializers.PrimaryKeyRelatedField(queryset=VoucherProfile.objects.all())
    radius_server = serializers.PrimaryKeyRelatedField(
        queryset=RadiusServer.objects.filter(active=True)
    )
    count = serializers.IntegerField(min_value=1, max_value=MAX_BATCH)
    prefix = serializers.RegexField(r"^[A-Za-z0-9]{0,10}$", required=False, default="")
    code_length = serializers.IntegerField(min_value=6, max_value=16, default=8)
    separate_password = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=200, required=False, default="")


class VoucherSerializer(serializers.ModelSerializer):
    class Meta:
        model = Voucher
        fields = [
            "id",
            "batch",
            "username",
            "password",
            "status",
            "radius_sync_status",
            "radius_synced_at",
            "radius_sync_error",
            "sync_attempts",
            "created_at",
        ]
        read_only_fields = fields
