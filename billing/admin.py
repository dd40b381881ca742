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
from billing.services import (
    daraja_settings_save,
    package_create,
    package_delete,
    package_update,
    subscription_update,
)
from radtik.admin_site import ReadOnlyAdmin, form_changes, in_public_schema

# Where a subscription's access lives, and how it is going, are the jobs' to change.
SUBSCRIPTION_READ_ONLY = [
    "username",
    "customer",
    "package",
    "router",
    "radius_server",
    "radius_state",
    "router_state",
    "last_error",
    "cleanup_pending",
]


@admin.register(DarajaSettings)
class DarajaSettingsAdmin(admin.ModelAdmin):
    form = DarajaSettingsForm
    list_display = ["shortcode", "environment", "transaction_type", "enforce_ip_allowlist"]
    readonly_fields = ["updated_at"]  # the callback secret is never shown (radtik.redaction)

    def save_model(self, request, obj, form, change) -> None:
        # Through the service like the operator page: one rule set, one audit record.
        saved = daraja_settings_save(actor=request.user, **form.changed_settings())
        obj.pk = saved.pk

    def has_add_permission(self, request) -> bool:
        # The public admin builds its app list before hiding tenant apps: no table there.
        if in_public_schema():
            return False
        return super().has_add_permission(request) and not DarajaSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the portal and the callback need them; change them instead


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

    def save_model(self, request, obj, form, change):
        if change:
            stored, fields = form_changes(form)
            package_update(package=stored, actor=request.user, **fields)
        else:
            fields = {name: form.cleaned_data[name] for name in form.fields}
            obj.pk = package_create(actor=request.user, **fields).pk

    def delete_model(self, request, obj):
        package_delete(package=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for package in queryset:
            package_delete(package=package, actor=request.user)


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Customers are made by their payments."""

    list_display = ["__str__", "name", "last_payment_at", "created_at"]
    search_fields = ["phone", "name"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Made by payments; dates and status are changed here, and reach RADIUS and the router."""

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
    fields = ["status", "starts_at", "ends_at", *SUBSCRIPTION_READ_ONLY]
    readonly_fields = SUBSCRIPTION_READ_ONLY

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # expire or suspend it: that removes its access

    def save_model(self, request, obj, form, change):
        stored, fields = form_changes(form)
        subscription_update(subscription=stored, actor=request.user, **fields)


class CallbackInline(ReadOnlyAdmin, admin.TabularInline):
    model = PaymentCallback
    extra = 0
    readonly_fields = ["received_at", "remote_addr", "outcome", "error", "body"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Payments change only through the services (callbacks, STK queries)."""

    list_display = ["id", "created_at", "package", "amount", "status", "receipt", "resolved_via"]
    list_filter = ["status", "resolved_via"]
    search_fields = ["checkout_request_id", "receipt", "phone"]
    inlines = [CallbackInline]


@admin.register(PaymentCallback)
class PaymentCallbackAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["id", "received_at", "remote_addr", "checkout_request_id", "outcome"]
    list_filter = ["outcome"]
