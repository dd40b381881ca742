from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from provisioning.deploy_job import router_radius_client_remove
        from provisioning.services import deploy_start, discovery_start, radius_client_move_start
        from provisioning.views import ONBOARDING_STAGES
        from routers.probing import router_online_listener_add
        from routers.services import (
            router_delete_step_add,
            router_drift_repairer_add,
            router_host_listener_add,
        )
        from routers.views import router_page_part_add

        router_page_part_add(ONBOARDING_STAGES)  # stages 3-5 on the router page
        router_online_listener_add(discovery_start)  # interfaces ready for stage 4
        router_drift_repairer_add(deploy_start)  # the health check's "redeploy" repairs drift
        router_delete_step_add(router_radius_client_remove)  # deploying registered it
        router_host_listener_add(radius_client_move_start)  # and it follows an edited host
