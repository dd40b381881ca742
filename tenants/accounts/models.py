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

    # The admin asks these: in a tenant's schema the role answers (tenants.accounts.roles), not
    # groups; system admins (public schema) keep Django's own answer.
    def has_perm(self, perm: str, obj=None) -> bool:
        if not self.is_active or self.is_superuser or _in_public_schema():
            return super().has_perm(perm, obj)
        from tenants.accounts.roles import role_allows  # roles imports Role from here

        return role_allows(self.role, perm)

    def has_module_perms(self, app_label: str) -> bool:
        if not self.is_active or self.is_superuser or _in_public_schema():
            return super().has_module_perms(app_label)
        from tenants.accounts.roles import role_allows_app

        return role_allows_app(self.role, app_label)


def _in_public_schema() -> bool:
    from django.db import connection
    from django_tenants.utils import get_public_schema_name

    return connection.schema_name == get_public_schema_name()
