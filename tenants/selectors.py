from collections.abc import Mapping

from django.core.management.base import CommandError
from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from radtik.lists import filtered
from tenants.choices import TenantStatus
from tenants.filtersets import TenantFilter
from tenants.models import Tenant


def tenant_list(*, filters: Mapping | None = None) -> QuerySet[Tenant]:
    """The platform's tenants (never the public schema's own row)."""
    tenants = Tenant.objects.exclude(schema_name=get_public_schema_name())
    return filtered(TenantFilter, tenants.prefetch_related("domains"), filters)


def tenant_schemas_active() -> list[str]:
    """The schemas background work runs in: every active tenant's (never public's)."""
    return list(
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .filter(status=TenantStatus.ACTIVE)
        .values_list("schema_name", flat=True)
    )


def tenant_for_command(slug: str | None) -> Tenant:
    """The tenant a management command works in: --tenant, or the only one there is."""
    tenants = Tenant.objects.exclude(schema_name=get_public_schema_name())
    if slug:
        tenant = tenants.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"Unknown tenant '{slug}'")
        return tenant
    if tenants.count() != 1:
        raise CommandError("Several tenants exist: say which with --tenant")
    return tenants.get()
