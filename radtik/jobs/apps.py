from importlib import import_module

from django.apps import AppConfig, apps
from django.conf import settings


class JobsConfig(AppConfig):
    name = "radtik.jobs"
    label = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Job kinds register themselves when their app's tasks module is imported; the worker
        # imports the same modules, so a kind is known wherever a Job of it can run.
        for config in apps.get_app_configs():
            try:
                import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise
        for module in settings.RADTIK_EXTRA_TASK_MODULES:
            import_module(module)
