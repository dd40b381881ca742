from rest_framework import serializers

from provisioning.config import LOGIN_METHODS
from provisioning.models import RouterConfig
from provisioning.plan import desired_items, render_script
from provisioning.services import config_as_deployed


class HotspotSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(default=False)
    interfaces = serializers.ListField(child=serializers.CharField(), required=False)
    portal_title = serializers.CharField(required=False)
    login_methods = serializers.MultipleChoiceField(choices=LOGIN_METHODS, required=False)
    address_pool = serializers.CharField(required=False, help_text="10.5.50.2-10.5.50.254")
    gateway = serializers.IPAddressField(protocol="IPv4", required=False)
    prefix = serializers.IntegerField(required=False, help_text="the gateway's prefix length: 24")
    lease_time = serializers.CharField(required=False, help_text="DHCP lease time: 1h")
    dns_servers = serializers.ListField(
        child=serializers.IPAddressField(protocol="IPv4"),
        required=False,
        help_text="upstream DNS; empty: the router's own",
    )
    wan_interface = serializers.CharField(required=False, help_text="NAT masquerades out of it")


class PPPoESerializer(serializers.Serializer):
    enabled = serializers.BooleanField(default=False)
    interfaces = serializers.ListField(child=serializers.CharField(), required=False)
    service_name = serializers.CharField(required=False)
    pool_range = serializers.CharField(required=False)
    local_address = serializers.IPAddressField(protocol="IPv4", required=False)
    wan_interface = serializers.CharField(required=False, help_text="NAT masquerades out of it")


class RadiusChoiceSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(default=False)
    server_id = serializers.IntegerField(required=False)
    secret = serializers.CharField(required=False, write_only=True)


class ServiceConfigSerializer(serializers.Serializer):
    """Documents the request; validation happens in provisioning.config (per-field errors)."""

    hotspot = HotspotSerializer(required=False)
    pppoe = PPPoESerializer(required=False)
    radius = RadiusChoiceSerializer(required=False)


class RouterConfigSerializer(serializers.ModelSerializer):
    config = serializers.SerializerMethodField()
    script = serializers.SerializerMethodField()

    class Meta:
        model = RouterConfig
        fields = ["id", "router", "type", "version", "config", "script", "created_at"]
        read_only_fields = fields

    def get_config(self, obj: RouterConfig) -> dict:
        config = dict(obj.config)
        if "radius" in config:  # the shared secret never leaves the server
            config["radius"] = {
                k: v for k, v in config["radius"].items() if k != "secret_encrypted"
            }
        return config

    def get_script(self, obj: RouterConfig) -> str:
        return render_script(desired_items(config_as_deployed(obj.config)))
