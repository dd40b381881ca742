from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tenants.accounts"
    label = "accounts"
    verbose_name = "Users"
    default_auto_field = "django.db.models.BigAutoField"
