from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from provisioning.views import ONBOARDING_STAGES
        from routers.views import router_page_part_add

        router_page_part_add(ONBOARDING_STAGES)  # stages 3-5 on the router page
