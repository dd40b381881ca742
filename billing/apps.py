from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billing.choices import PORTAL_TOPIC
        from billing.selectors import subscription_username_owners
        from radius.namespace import username_source_register
        from radtik.realtime.auth import anonymous_topic_register

        username_source_register(subscription_username_owners)
        anonymous_topic_register(PORTAL_TOPIC)  # what an anonymous portal page may watch
