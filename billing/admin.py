from django.contrib import admin

from billing.forms import DarajaSettingsForm
from billing.models import (
    Customer,
    DarajaSettings,
    Package,
    Payment,
    PaymentCallback,
    Subscription,
)
from radtik.admin_site import in_public_schema


@admin.register(DarajaSettings)
class DarajaSettingsAdmin(admin.ModelAdmin):
    form = DarajaSettingsForm
    list_display = ["shortcode", "environment", "transaction_type", "enforce_ip_allowlist"]
    readonly_fields = ["callback_secret", "updated_at"]

    def save_model(self, request, obj, form, change) -> None:
        # Through the service like the operator page: one rule set, one audit record.
        from billing.services import daraja_settings_save

        saved = daraja_settings_save(actor=request.user, **form.changed_settings())
        obj.pk = saved.pk

    def has_add_permission(self, request) -> bool:
        # The public admin builds its app list before hiding tenant apps: no table there.
        if in_public_schema():
            return False
        return super().has_add_permission(request) and not DarajaSettings.objects.exists()


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "price",
        "validity_seconds",
        "rate_limit",
        "devices",
        "service",
        "router",
        "radius_server",
        "active",
    ]
    list_filter = ["active", "service"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "name", "last_payment_at", "created_at"]
    search_fields = ["phone", "name"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "username",
        "customer",
        "package",
        "status",
        "starts_at",
        "ends_at",
        "radius_state",
        "router_state",
    ]
    list_filter = ["status", "radius_state", "router_state"]
    search_fields = ["username", "customer__phone"]
    exclude = ["password"]
    readonly_fields = [
        "username",
        "customer",
        "package",
        "radius_state",
        "router_state",
        "last_error",
        "cleanup_pending",
    ]


class CallbackInline(admin.TabularInline):
    model = PaymentCallback
    extra = 0
    can_delete = False
    readonly_fields = ["received_at", "remote_addr", "outcome", "error", "body"]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "package", "amount", "status", "receipt", "resolved_via"]
    list_filter = ["status", "resolved_via"]
    search_fields = ["checkout_request_id", "receipt", "phone"]
    inlines = [CallbackInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # payments change only through the services

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PaymentCallback)
class PaymentCallbackAdmin(admin.ModelAdmin):
    list_display = ["id", "received_at", "remote_addr", "checkout_request_id", "outcome"]
    list_filter = ["outcome"]
    readonly_fields = [
        "payment",
        "checkout_request_id",
        "body",
        "remote_addr",
        "outcome",
        "error",
        "received_at",
    ]
