from rest_framework import serializers

from accounting.models import Session


class SessionSerializer(serializers.ModelSerializer):
    router_name = serializers.CharField(source="router.name", default="", read_only=True)
    customer = serializers.IntegerField(
        source="subscription.customer_id", default=None, read_only=True
    )

    class Meta:
        model = Session
        fields = [
            "id",
            "username",
            "service",
            "is_open",
            "router",
            "router_name",
            "radius_server",
            "voucher",
            "subscription",
            "customer",
            "ppp_secret",
            "session_id",
            "nas_ip_address",
            "nas_identifier",
            "mac_address",
            "framed_ip_address",
            "started_at",
            "updated_at",
            "stopped_at",
            "terminate_cause",
            "session_time",
            "input_octets",
            "output_octets",
        ]
        read_only_fields = fields


class OnlineCountSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    hotspot = serializers.IntegerField()
    pppoe = serializers.IntegerField()


class RouterOnlineSerializer(OnlineCountSerializer):
    router = serializers.IntegerField(
        allow_null=True,
        help_text="None: sessions of NASes that are none of this account's routers.",
    )
    name = serializers.CharField()


class OnlineNowSerializer(OnlineCountSerializer):
    routers = RouterOnlineSerializer(many=True)
