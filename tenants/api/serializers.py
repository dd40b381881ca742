from rest_framework import serializers

from tenants.choices import TenantStatus
from tenants.models import Tenant
from tenants.services import SETTINGS_FIELDS


class TenantSerializer(serializers.ModelSerializer):
    domains = serializers.SlugRelatedField(slug_field="domain", many=True, read_only=True)

    class Meta:
        model = Tenant
        fields = [
            "id",
            "name",
            "slug",
            "schema_name",
            "status",
            "contact_name",
            "contact_email",
            "contact_phone",
            "created_at",
            "domains",
        ]
        read_only_fields = fields


class TenantCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.CharField(max_length=30)
    admin_username = serializers.CharField(max_length=150, default="admin")
    admin_email = serializers.EmailField(required=False, allow_blank=True, default="")
    # Checked by AUTH_PASSWORD_VALIDATORS in tenant_create, like every path that sets one.
    admin_password = serializers.CharField(
        required=False, allow_blank=True, default="", write_only=True
    )
    contact_name = serializers.CharField(required=False, allow_blank=True, default="")
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="")


class TenantStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[TenantStatus.ACTIVE, TenantStatus.SUSPENDED])


class TenantSettingsSerializer(serializers.ModelSerializer):
    """The account's settings (tenants.services.SETTINGS_FIELDS); the service validates."""

    class Meta:
        model = Tenant
        fields = list(SETTINGS_FIELDS)
