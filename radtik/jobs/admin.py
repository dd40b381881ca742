from django.contrib import admin

from radtik.admin_site import ReadOnlyAdmin
from radtik.jobs.models import Job, JobLogLine


class JobLogLineInline(ReadOnlyAdmin, admin.TabularInline):
    model = JobLogLine
    extra = 0
    readonly_fields = ["at", "level", "stage", "message"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Jobs change through their pages and API (retry, cancel), i.e. radtik.jobs.services."""

    list_display = [
        "id",
        "kind",
        "target_repr",
        "status",
        "stage",
        "progress",
        "attempts",
        "created_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["target_repr", "error"]
    readonly_fields = [f.name for f in Job._meta.fields]
    inlines = [JobLogLineInline]
