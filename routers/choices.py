from django.db import models


class RouterStatus(models.TextChoices):
    CONFIG_PENDING = "config_pending", "Waiting for the bootstrap script"
    ONLINE = "online", "Online"
    CONNECTION_FAILED = "connection_failed", "Connection failed"
    PROVISIONING = "provisioning", "Provisioning"
    ACTIVE = "active", "Active"
    FAILED = "failed", "Provisioning failed"


class ImportWhat(models.TextChoices):
    POOLS = "pools", "IP pools"
    SECRETS = "secrets", "PPP secrets"
    ALL = "all", "Everything"


# Probing is skipped for routers already reached (or being configured).
REACHED = (RouterStatus.ONLINE, RouterStatus.ACTIVE, RouterStatus.PROVISIONING)
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"
