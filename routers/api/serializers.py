from rest_framework import serializers

from radius.models import RadiusServer
from routers.choices import ImportWhat
from routers.models import IPPool, PPPProfile, PPPSecret, Router


class RouterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Router
        fields = [
            "id",
            "name",
            "host",
            "api_port",
            "use_tls",
            "status",
            "model",
            "board",
            "routeros_version",
            "last_seen",
            "last_error",
            "radius_server",
            "created_at",
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


class SecretsToRadiusSerializer(serializers.Serializer):
    server = serializers.PrimaryKeyRelatedField(queryset=RadiusServer.objects.filter(active=True))
    names = serializers.ListField(
        child=serializers.CharField(), required=False, allow_null=True, default=None
    )
    disable_local = serializers.BooleanField(default=False)
