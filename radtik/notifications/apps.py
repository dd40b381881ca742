from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "radtik.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from radtik.notifications import listeners  # noqa: F401  (registers the listeners)
