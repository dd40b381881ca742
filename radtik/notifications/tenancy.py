"""The tenant a notification is sent for, its clock and its addresses."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from tenants.models import Tenant
from tenants.services import tenant_domain


def current_tenant() -> Tenant:
    """The Tenant of the current schema (public: the platform's). A request has it on the
    connection; a worker's schema_context has only the schema name."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Tenant) and tenant.schema_name == connection.schema_name:
        return tenant
    return Tenant.objects.get(schema_name=connection.schema_name)


def tenant_zone(tenant: Tenant) -> ZoneInfo:
    # `time_zone` is the tenant setting the platform adds; until then the project's zone.
    return ZoneInfo(getattr(tenant, "time_zone", "") or settings.TIME_ZONE)


def local(moment: datetime, tenant: Tenant) -> datetime:
    return timezone.localtime(moment, tenant_zone(tenant))


def local_text(moment: datetime, tenant: Tenant) -> str:
    """How customers read a time: 'Tue 03 Dec 14:05'."""
    return local(moment, tenant).strftime("%a %d %b %H:%M")


def tenant_url(tenant: Tenant, path: str = "/") -> str:
    """The address of `path` on the tenant's own host (the base domain for the platform)."""
    host = settings.BASE_DOMAIN if tenant.is_public else tenant_domain(tenant.slug)
    if settings.TLS:
        return f"https://{host}{path}"
    port = "" if settings.PORT == 80 else f":{settings.PORT}"
    return f"http://{host}{port}{path}"
