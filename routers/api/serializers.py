from rest_framework import serializers

from radius.models import RadiusServer
from radtik.api import NameOrIdField
from routers.choices import ImportWhat
from routers.live import LIVE_FIELDS
from routers.models import IPPool, PPPProfile, PPPSecret, Router, RouterHealth
from routers.samples import WINDOWS


class RouterHealthSerializer(serializers.ModelSerializer):
    """A deployed router's health and its last live data (rates in bits per second)."""

    class Meta:
        model = RouterHealth
        fields = [
            "state",
            "reason",
            "since",
            "down_since",
            "checked_at",
            "checks",
            "config_version",
            *LIVE_FIELDS,
        ]
        read_only_fields = fields


class SamplesQuerySerializer(serializers.Serializer):
    window = serializers.ChoiceField(choices=list(WINDOWS), default="hour")


class RouterSerializer(serializers.ModelSerializer):
    health = serializers.SerializerMethodField()

    def get_health(self, router: Router) -> dict | None:
        """None until the router is deployed (then its health check starts)."""
        health = getattr(router, "health", None)
        return RouterHealthSerializer(health).data if health is not None else None

    tls_fingerprint = serializers.CharField(
        read_only=True,
        help_text="SHA-256 of the api-ssl certificate pinned on first contact: compare it with "
        "the router's /certificate print detail.",
    )

    class Meta:
        model = Router
        fields = [
            "id",
            "name",
            "host",
            "api_port",
            "use_tls",
            "tls_fingerprint",
            "status",
            "model",
            "board",
            "routeros_version",
            "last_seen",
            "last_error",
            "radius_server",
            "created_at",
            "health",
        ]
        read_only_fields = fields


class ImportRequestSerializer(serializers.Serializer):
    what = serializers.ChoiceField(choices=ImportWhat.choices, default=ImportWhat.ALL)


class IPPoolSerializer(serializers.ModelSerializer):
    class Meta:
        model = IPPool
        fields = [
            "id",
            "router",
            "name",
            "ranges",
            "next_pool",
            "imported_at",
            "updated_at",
            "removed_at",
        ]
        read_only_fields = fields


class PPPProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = PPPProfile
        fields = [
            "id",
            "router",
            "name",
            "local_address",
            "remote_address",
            "rate_limit",
            "removed_at",
        ]
        read_only_fields = fields


class PPPSecretSerializer(serializers.ModelSerializer):
    """The password stays on the server: imported secrets are shown without it."""

    class Meta:
        model = PPPSecret
        fields = [
            "id",
            "router",
            "name",
            "service",
            "profile",
            "local_address",
            "remote_address",
            "disabled",
            "comment",
            "imported_at",
            "updated_at",
            "removed_at",
        ]
        read_only_fields = fields


class RouterCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=63)
    host = serializers.CharField(max_length=255)
    api_port = serializers.IntegerField(min_value=1, max_value=65535, required=False)
    use_tls = serializers.BooleanField(default=False)
    probe_interval = serializers.IntegerField(min_value=1, max_value=3600, required=False)
    probe_max_attempts = serializers.IntegerField(min_value=1, max_value=1000, required=False)


class RouterUpdateSerializer(serializers.Serializer):
    """PATCH: any of these; the RADIUS server by name or id (null: none)."""

    name = serializers.CharField(max_length=63, required=False)
    host = serializers.CharField(max_length=255, required=False)
    api_port = serializers.IntegerField(min_value=1, max_value=65535, required=False)
    use_tls = serializers.BooleanField(required=False)
    radius_server = NameOrIdField(
        queryset=RadiusServer.objects.filter(active=True), required=False, allow_null=True
    )
    probe_interval = serializers.IntegerField(min_value=1, max_value=3600, required=False)
    probe_max_attempts = serializers.IntegerField(min_value=1, max_value=1000, required=False)


class SecretsToRadiusSerializer(serializers.Serializer):
    server = serializers.PrimaryKeyRelatedField(queryset=RadiusServer.objects.filter(active=True))
    names = serializers.ListField(
        child=serializers.CharField(), required=False, allow_null=True, default=None
    )
    disable_local = serializers.BooleanField(default=False)
