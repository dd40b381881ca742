from django.contrib import admin

from vouchers.models import Voucher, VoucherBatch, VoucherProfile


@admin.register(VoucherProfile)
class VoucherProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "time_limit", "data_limit", "rate_limit", "simultaneous_use", "price"]


@admin.register(VoucherBatch)
class VoucherBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "profile", "radius_server", "count", "prefix", "created_at"]
    readonly_fields = ["count", "prefix", "code_length", "separate_password", "created_by"]


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = ["username", "batch", "status", "radius_sync_status", "radius_synced_at"]
    list_filter = ["status", "radius_sync_status"]
    search_fields = ["username"]
    readonly_fields = ["radius_synced_at", "radius_sync_error", "sync_attempts"]
