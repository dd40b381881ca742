from django.urls import reverse
from rest_framework import serializers

from billing.models import (
    PACKAGE_FIELDS,
    PORTAL_FIELDS,
    Customer,
    Package,
    Payment,
    PaymentCallback,
    PortalSettings,
    Subscription,
)

# What the captive portal may show anyone; operators see the rest too.
PUBLIC_PACKAGE_FIELDS = ["id", *PACKAGE_FIELDS[: PACKAGE_FIELDS.index("service") + 1]]


class PackageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Package
        fields = [
            "id",
            *PACKAGE_FIELDS,
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class PublicPackageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Package
        fields = PUBLIC_PACKAGE_FIELDS
        read_only_fields = fields


class PaymentInitiateSerializer(serializers.Serializer):
    """Input only; the service validates phone, package and MAC (one rule, one place)."""

    package_id = serializers.IntegerField()
    phone_number = serializers.CharField(max_length=30)
    mac_address = serializers.CharField(max_length=17, required=False, default="", allow_blank=True)
    login_url = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class PaymentPublicSerializer(serializers.ModelSerializer):
    """What the customer (token holder) may see."""

    package = serializers.CharField(source="package.name")
    topic = serializers.CharField()
    username = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "token",
            "status",
            "status_reason",
            "amount",
            "package",
            "checkout_request_id",
            "topic",
            "username",
            "created_at",
        ]
        read_only_fields = fields

    def get_username(self, payment: Payment) -> str:
        return payment.subscription.username if payment.subscription else ""


class PaymentSerializer(serializers.ModelSerializer):
    package = serializers.CharField(source="package.name")

    class Meta:
        model = Payment
        fields = [
            "id",
            "package",
            "phone",
            "amount",
            "paid_amount",
            "mac_address",
            "status",
            "status_reason",
            "merchant_request_id",
            "checkout_request_id",
            "receipt",
            "result_code",
            "result_desc",
            "resolved_via",
            "customer",
            "subscription",
            "raw_request",
            "raw_response",
            "created_at",
            "resolved_at",
            "processed_at",
        ]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "phone", "name", "mac_addresses", "created_at", "last_payment_at"]
        read_only_fields = fields


class SubscriptionSerializer(serializers.ModelSerializer):
    package = serializers.CharField(source="package.name")

    class Meta:
        model = Subscription
        fields = [
            "id",
            "customer",
            "package",
            "router",
            "radius_server",
            "username",
            "starts_at",
            "ends_at",
            "status",
            "radius_state",
            "router_state",
            "used_seconds",
            "used_octets",
            "last_session_at",
            "last_error",
            "created_at",
        ]
        read_only_fields = fields


class PaymentCallbackSerializer(serializers.ModelSerializer):
    """A callback as the inbox saw it (its body, with the customer's phone, stays in the admin)."""

    class Meta:
        model = PaymentCallback
        fields = [
            "id",
            "received_at",
            "remote_addr",
            "checkout_request_id",
            "payment",
            "outcome",
            "error",
            "attempts",
        ]
        read_only_fields = fields


class PortalSettingsSerializer(serializers.ModelSerializer):
    """The portal's look; billing.services.portal_settings_save validates (logo type and size)."""

    logo = serializers.FileField(
        write_only=True, required=False, help_text="PNG, JPEG, GIF or WebP, up to 200 KB."
    )
    remove_logo = serializers.BooleanField(write_only=True, required=False)
    logo_url = serializers.SerializerMethodField()
    packages = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Package.objects.all(), required=False
    )

    # None until the settings are first saved (the defaults answer without a row).
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = PortalSettings
        fields = [*PORTAL_FIELDS, "logo", "remove_logo", "logo_url", "updated_at"]
        read_only_fields = ["updated_at"]

    def get_logo_url(self, obj: PortalSettings) -> str | None:
        return reverse("portal-logo") if obj.logo else None

    def to_representation(self, instance: PortalSettings) -> dict:
        # Before the first save the row is the unsaved defaults, with no packages to read.
        return super().to_representation(instance) if instance.pk else self._defaults(instance)

    def _defaults(self, instance: PortalSettings) -> dict:
        return {
            **{name: getattr(instance, name) for name in PORTAL_FIELDS if name != "packages"},
            "packages": [],
            "logo_url": None,
            "updated_at": None,
        }
