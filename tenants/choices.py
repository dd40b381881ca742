from django.db import models


class TenantStatus(models.TextChoices):
    PROVISIONING = "provisioning", "Provisioning"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    FAILED = "failed", "Creation failed"


# Slugs that would collide with PostgreSQL schemas or platform hostnames.
RESERVED_SLUGS = frozenset(
    {"public", "www", "admin", "api", "static", "media", "ws", "information-schema", "test"}
)
SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,28}[a-z0-9]$"
