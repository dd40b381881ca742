from django.contrib import admin

from radtik.jobs.models import Job, JobLogLine


class JobLogLineInline(admin.TabularInline):
    model = JobLogLine
    extra = 0
    can_delete = False
    readonly_fields = ["at", "level", "stage", "message"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False
