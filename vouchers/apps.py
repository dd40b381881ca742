from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "vouchers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from radius.namespace import username_source_register
        from vouchers import counters  # noqa: F401  (registers the sold-per-day listener)
        from vouchers.selectors import voucher_username_owners

        username_source_register(voucher_username_owners)
