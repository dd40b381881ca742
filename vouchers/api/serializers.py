from rest_framework import serializers

from radius.models import RadiusServer
from radtik.api import NameOrIdField
from vouchers.choices import MAX_BATCH
from vouchers.models import PROFILE_FIELDS, Voucher, VoucherBatch, VoucherProfile
from vouchers.selectors import batch_counts
from vouchers.sheets import DEFAULT_LOGIN_URL, LAYOUTS


class VoucherProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = VoucherProfile
        fields = ["id", *PROFILE_FIELDS, "created_at"]
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
    profile = NameOrIdField(queryset=VoucherProfile.objects.all())
    radius_server = NameOrIdField(queryset=RadiusServer.objects.filter(active=True))
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
            "first_used_at",
            "expires_at",
            "used_seconds",
            "used_octets",
            "created_at",
        ]
        read_only_fields = fields


class VoucherSelectionSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),  # a bigint id
        min_length=1,
        max_length=MAX_BATCH,
    )


class SheetPrintSerializer(serializers.Serializer):
    """What a print file of a whole batch looks like (the page's Print file form)."""

    layout = serializers.ChoiceField(choices=list(LAYOUTS), default="a4")
    qr = serializers.BooleanField(default=True, help_text="A QR code of the login link per card.")
    login_url = serializers.URLField(
        required=False, default=DEFAULT_LOGIN_URL, help_text="The hotspot's login address."
    )
