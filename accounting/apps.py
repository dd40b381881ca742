from django.apps import AppConfig


class AccountingConfig(AppConfig):
    name = "accounting"
    verbose_name = "Accounting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounting import enforcement, listeners, usage  # noqa: F401  (listeners, hook)
        from accounting.services import router_sessions_delete
        from routers.services import router_delete_step_add

        router_delete_step_add(router_sessions_delete)  # a deleted router's sessions go with it
