from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from radtik.admin_site import ReadOnlyAdmin, form_changes
from tenants import services
from tenants.forms import TenantCreateForm
from tenants.models import Domain, Tenant


class DomainInline(ReadOnlyAdmin, admin.TabularInline):
    """Made by the tenant's creation job."""

    model = Domain
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "contact_email", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "contact_email"]
    readonly_fields = ["schema_name", "status", "created_at"]
    inlines = [DomainInline]
    actions = ["suspend", "activate"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TenantCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*TenantCreateForm._meta.fields, "admin_username", "admin_email"]
        return [
            "name",
            "slug",
            "schema_name",
            "status",
            "contact_name",
            "contact_email",
            "contact_phone",
            "created_at",
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "slug"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # suspend it: its schema holds the operator's data

    def save_model(self, request, obj, form, change):
        if change:
            stored, fields = form_changes(form)
            services.tenant_update(tenant=stored, actor=request.user, **fields)
            return
        # Creation is a background job: the service reserves the slug and enqueues it.
        data = form.cleaned_data
        creation = services.tenant_create(
            name=data["name"],
            slug=data["slug"],
            admin_username=data["admin_username"],
            admin_email=data.get("admin_email", ""),
            contact_name=data.get("contact_name", ""),
            contact_email=data.get("contact_email", ""),
            contact_phone=data.get("contact_phone", ""),
            requested_by=request.user,
        )
        obj.pk = creation.tenant.pk
        request._tenant_creation = creation

    def save_related(self, request, form, formsets, change):
        pass  # no many-to-many fields, and its domains are read-only here

    def log_addition(self, request, obj, message):
        return None  # the service wrote the audit record

    def response_add(self, request, obj, post_url_continue=None):
        creation = request._tenant_creation
        messages.success(
            request,
            f"Creating {creation.tenant.slug}: admin '{creation.job.params['admin_username']}' "
            f"with password {creation.admin_password} (shown once).",
        )
        return HttpResponseRedirect(reverse("job-page", args=[creation.job.pk]))

    @admin.action(description="Suspend selected tenants")
    def suspend(self, request, queryset):
        for tenant in queryset:
            services.tenant_set_status(tenant=tenant, status="suspended", actor=request.user)

    @admin.action(description="Activate selected tenants")
    def activate(self, request, queryset):
        for tenant in queryset:
            services.tenant_set_status(tenant=tenant, status="active", actor=request.user)
