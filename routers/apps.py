from django.apps import AppConfig


class RoutersConfig(AppConfig):
    name = "routers"
    default_auto_field = "django.db.models.BigAutoField"
