from rest_framework import serializers

from radius.models import RadiusServer

FIELDS = ["name", "host", "auth_port", "acct_port", "api_base_url", "active"]


class RadiusServerSerializer(serializers.ModelSerializer):
    """The token is write-only: set it on create (or let radtik make one) and on update."""

    auth_token = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=200
    )
    voucher_batches = serializers.IntegerField(source="batch_count", read_only=True, default=0)
    routers = serializers.IntegerField(source="router_count", read_only=True, default=0)

    class Meta:
        model = RadiusServer
        fields = ["id", *FIELDS, "auth_token", "voucher_batches", "routers", "created_at"]
        read_only_fields = ["id", "created_at"]


class RadiusServerCreatedSerializer(RadiusServerSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The agent's token, shown this once: put it in --token-file."
    )

    class Meta(RadiusServerSerializer.Meta):
        fields = [*RadiusServerSerializer.Meta.fields, "token"]
