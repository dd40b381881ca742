from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billing.selectors import subscription_username_owners
        from radius.namespace import username_source_register

        username_source_register(subscription_username_owners)
