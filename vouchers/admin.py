from django.contrib import admin, messages

from radius.models import RadiusServer
from radtik.admin_site import form_changes
from vouchers.models import Voucher, VoucherBatch, VoucherProfile
from vouchers.services import (
    batch_create,
    profile_create,
    profile_delete,
    profile_update,
    vouchers_bulk_delete,
    vouchers_bulk_disable,
)

BATCH_FIELDS = ["profile", "radius_server", "count", "prefix", "code_length", "separate_password"]


@admin.register(VoucherProfile)
class VoucherProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "time_limit", "data_limit", "rate_limit", "simultaneous_use", "price"]

    def save_model(self, request, obj, form, change):
        if change:
            stored, fields = form_changes(form)
            profile_update(profile=stored, actor=request.user, **fields)
        else:
            fields = {name: form.cleaned_data[name] for name in form.fields}
            obj.pk = profile_create(actor=request.user, **fields).pk

    def delete_model(self, request, obj):
        profile_delete(profile=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for profile in queryset:
            profile_delete(profile=profile, actor=request.user)


@admin.register(VoucherBatch)
class VoucherBatchAdmin(admin.ModelAdmin):
    """Batches are generated here (codes, then their sync to RADIUS in a job), never edited:
    their vouchers are already in RADIUS."""

    list_display = ["id", "profile", "radius_server", "count", "prefix", "created_at"]
    fields = [*BATCH_FIELDS, "note"]

    def has_change_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "radius_server":  # batch_create refuses a disabled server
            kwargs["queryset"] = RadiusServer.objects.filter(active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        made = batch_create(actor=request.user, **form.cleaned_data)
        obj.pk = made.batch.pk
        messages.info(
            request, f"{made.batch.count} vouchers generated; job #{made.job.pk} syncs them."
        )

    def delete_model(self, request, obj):
        job = vouchers_bulk_delete(batch=obj, actor=request.user)
        messages.info(request, f"{obj} is deleted in the background (job #{job.pk}).")

    def delete_queryset(self, request, queryset):
        for batch in queryset:
            vouchers_bulk_delete(batch=batch, actor=request.user)


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    """Vouchers come from batches; disabling or deleting one removes it from RADIUS (a job)."""

    list_display = ["username", "batch", "status", "radius_sync_status", "radius_synced_at"]
    list_filter = ["status", "radius_sync_status"]
    search_fields = ["username"]
    list_select_related = ["batch"]
    actions = ["disable"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Disable selected vouchers (and remove them from RADIUS)")
    def disable(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        job = vouchers_bulk_disable(voucher_ids=ids, actor=request.user)
        messages.info(request, f"{len(ids)} voucher(s) disabled in the background (job #{job.pk}).")

    def delete_model(self, request, obj):
        vouchers_bulk_delete(voucher_ids=[obj.pk], actor=request.user)

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        vouchers_bulk_delete(voucher_ids=ids, actor=request.user)
