from django.contrib import admin, messages

from radius.models import RadiusServer
from radius.services import radius_server_create


@admin.register(RadiusServer)
class RadiusServerAdmin(admin.ModelAdmin):
    list_display = ["name", "host", "api_base_url", "active", "created_at"]
    exclude = ["auth_token"]  # generated on creation, shown once, never again

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        made = radius_server_create(
            name=obj.name, host=obj.host, api_base_url=obj.api_base_url, actor=request.user
        )
        obj.pk = made.server.pk
        messages.warning(
            request,
            f"Agent token for {obj.name} (shown once, put it in the agent's token file): "
            f"{made.token}",
        )
