from django.conf import settings
from django.db import models


class RouterInterface(models.Model):
    """Discovered interfaces, cached (see DISCOVERY_TTL) so stage 4 can validate choices."""

    router = models.ForeignKey(
        "routers.Router", on_delete=models.CASCADE, related_name="interfaces"
    )
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=50, blank=True)
    running = models.BooleanField(default=False)
    disabled = models.BooleanField(default=False)
    mac_address = models.CharField(max_length=20, blank=True)
    discovered_at = models.DateTimeField()

    class Meta:
        ordering = ["router", "name"]
        constraints = [
            models.UniqueConstraint(fields=["router", "name"], name="interface_per_router")
        ]

    def __str__(self) -> str:
        return self.name


class RouterConfig(models.Model):
    """A desired configuration of a router's services, versioned; deployments apply one."""

    class Type(models.TextChoices):
        SERVICE = "service", "Service configuration"

    router = models.ForeignKey("routers.Router", on_delete=models.CASCADE, related_name="configs")
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.SERVICE)
    version = models.PositiveIntegerField()
    config = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["router", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["router", "type", "version"], name="config_version")
        ]

    def __str__(self) -> str:
        return f"{self.router} {self.type} v{self.version}"
