from django.apps import AppConfig


class RoutersConfig(AppConfig):
    name = "routers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from radius.namespace import username_source_register
        from routers.selectors import ppp_secret_username_owners

        username_source_register(ppp_secret_username_owners)
