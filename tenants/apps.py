from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tenants import (  # noqa: F401  (job kinds, listeners)
            dashboard,
            platform_dashboard,
            tasks,
        )
        from tenants.middleware import tenant_cache_clear
        from tenants.models import Domain, Tenant

        # This process sees its own changes at once; others within TENANT_CACHE_SECONDS.
        for model in (Tenant, Domain):
            post_save.connect(tenant_cache_clear, sender=model, dispatch_uid=f"cache-{model}")
            post_delete.connect(tenant_cache_clear, sender=model, dispatch_uid=f"cache-d{model}")
