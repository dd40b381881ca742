from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    OPERATOR = "operator", "Operator"
    VIEWER = "viewer", "Viewer"


ROLE_RANK = {Role.VIEWER: 1, Role.OPERATOR: 2, Role.ADMIN: 3}


class User(AbstractUser):
    """A user of one schema: system admins in public, operators' staff in each tenant schema."""

    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)

    def has_role(self, minimum: str) -> bool:
        """Superusers (system admins, tenant owners) pass every role check."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[Role(minimum)]
