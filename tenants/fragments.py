"""The dashboards' figures (DashboardChanged: the account's, or the platform's on the base
domain), and the system home's tenant list: a tenant created (on any host, through the API
too) goes on top, a status change (ready, failed, suspended, reactivated) replaces its row."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from radtik.realtime.fragments import Event, fragment_renderer
from tenants.dashboard import DASHBOARD_CHANGED, tenant_dashboard
from tenants.models import Tenant
from tenants.platform_dashboard import platform_dashboard


@fragment_renderer("tenant.*")
def tenant_fragment(event: Event) -> str:
    # Read afresh (public schema): the row shows the domains and creation time.
    tenant = Tenant.objects.prefetch_related("domains").filter(pk=event.payload["id"]).first()
    if tenant is None:
        return ""
    context = {
        "t": tenant,
        # No request here: the port the product is served on (none behind the TLS proxy).
        "port": None if settings.TLS else settings.PORT,
        "oob": True,
        "new": event.event == "tenant.created",
    }
    return render_to_string("tenants/partials/tenant_row.html", context)


def dashboard_context() -> dict[str, Any]:
    """The account's dashboard, in its schema, time zone and currency."""
    tenant = Tenant.objects.filter(schema_name=connection.schema_name).first()
    return {
        **tenant_dashboard(),
        "currency": tenant.currency if tenant else "",
        "time_zone": timezone.get_current_timezone_name(),
    }


def platform_context() -> dict[str, Any]:
    return {"platform": platform_dashboard()}


@fragment_renderer(DASHBOARD_CHANGED)
def dashboard_fragment(event: Event) -> str:
    """Every figure of the dashboard at once: one re-render per coalesced window."""
    if connection.schema_name == get_public_schema_name():
        context = {**platform_context(), "oob": True}
        return render_to_string("tenants/partials/platform_figures.html", context)
    context = {**dashboard_context(), "oob": True}
    return render_to_string("tenants/partials/dashboard_figures.html", context)
