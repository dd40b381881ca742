from django.contrib import admin

from radtik.admin_site import ReadOnlyAdmin
from radtik.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["at", "actor_repr", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_repr", "object_repr", "object_id"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
