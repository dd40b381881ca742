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


class HealthState(models.TextChoices):
    """What the health check of a deployed router last found (routers.health)."""

    UNKNOWN = "unknown", "Not checked yet"
    ONLINE = "online", "Online"
    DEGRADED = "degraded", "Degraded"
    OFFLINE = "offline", "Offline"
    AUTH_FAILED = "auth_failed", "Login refused"


# radtik cannot manage the router in these states: "router down" for the alerts.
DOWN = (HealthState.OFFLINE, HealthState.AUTH_FAILED)


class SampleResolution(models.IntegerChoices):
    """A RouterSample row: one check (raw), or the average of a 5-minute or hourly bucket."""

    RAW = 0, "One check"
    FIVE_MINUTES = 300, "5 minutes"
    HOUR = 3600, "1 hour"
