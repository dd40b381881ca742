import time
import zoneinfo
from collections.abc import Mapping

from django.core.management.base import CommandError
from django.db import connection
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


# schema -> (expires at, zone). Fragments render in the schema of the event they show, many per
# second on a busy page; the zone changes rarely, so a minute's staleness is fine.
_zones: dict[str, tuple[float, zoneinfo.ZoneInfo]] = {}
ZONE_CACHE_SECONDS = 60


def schema_time_zone(schema: str) -> zoneinfo.ZoneInfo:
    """The time zone a schema's pages show times in (UTC on the base domain)."""
    if schema == get_public_schema_name():
        return zoneinfo.ZoneInfo("UTC")
    hit = _zones.get(schema)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    name = Tenant.objects.filter(schema_name=schema).values_list("time_zone", flat=True).first()
    zone = zoneinfo.ZoneInfo(name or "UTC")
    _zones[schema] = (time.monotonic() + ZONE_CACHE_SECONDS, zone)
    return zone


def tenant_radius_interim_interval() -> int:
    """The current tenant's accounting interval in seconds (the field's default in public)."""
    interval = (
        Tenant.objects.filter(schema_name=connection.schema_name)
        .values_list("radius_interim_interval", flat=True)
        .first()
    )
    return interval or Tenant._meta.get_field("radius_interim_interval").default
