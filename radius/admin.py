from django.contrib import admin, messages

from radius.models import RadiusServer
from radius.services import radius_server_create, radius_server_update
from radtik.admin_site import form_changes


@admin.register(RadiusServer)
class RadiusServerAdmin(admin.ModelAdmin):
    list_display = ["name", "host", "api_base_url", "active", "created_at"]
    exclude = ["auth_token"]  # generated on creation, shown once, never again

    def has_delete_permission(self, request, obj=None):
        return False  # its users would stay in RADIUS: deactivate it instead

    def save_model(self, request, obj, form, change):
        if change:
            stored, fields = form_changes(form)
            radius_server_update(server=stored, actor=request.user, **fields)
            return
        made = radius_server_create(
            name=obj.name,
            host=obj.host,
            api_base_url=obj.api_base_url,
            auth_port=obj.auth_port,
            acct_port=obj.acct_port,
            actor=request.user,
        )
        obj.pk = made.server.pk
        messages.warning(
            request,
            f"Agent token for {obj.name} (shown once, put it in the agent's token file): "
            f"{made.token}",
        )
