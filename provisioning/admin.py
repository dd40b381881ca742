from django.contrib import admin

from provisioning.models import RouterConfig, RouterInterface
from provisioning.plan import desired_items, render_script
from provisioning.services import config_as_deployed
from radtik.admin_site import ReadOnlyAdmin


@admin.register(RouterConfig)
class RouterConfigAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Versions are made by service_config_create (validated) and never edited in place."""

    list_display = ["router", "type", "version", "created_by", "created_at"]
    list_filter = ["router", "type"]
    exclude = ["config"]  # holds the encrypted RADIUS secret; the script shows it masked
    readonly_fields = ["router", "type", "version", "created_by", "created_at", "script"]

    @admin.display(description="RouterOS script (secrets masked)")
    def script(self, obj: RouterConfig) -> str:
        return render_script(desired_items(config_as_deployed(obj.config)))


@admin.register(RouterInterface)
class RouterInterfaceAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Discovered from the router, never edited here."""

    list_display = ["name", "router", "type", "running", "disabled", "discovered_at"]
    list_filter = ["router"]
