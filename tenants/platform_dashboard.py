"""The system dashboard (the base domain's home): the platform at a glance, for system admins.

Totals over the active accounts, each one query over a UNION of their schemas that reads only a
bounded index range (open sessions' partial index, the last hour's payments, the last day's
finished jobs, the waiting callbacks' partial index) or small tables (routers' health, the
broker's queue). Live on the system `dashboard` topic: tenant events and every account's own
dashboard events ask for a coalesced re-render (tenants.dashboard).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django_tenants.utils import get_public_schema_name

from radtik.events import DomainEvent, listen, publish_coalesced
from radtik.metrics import queues, schemas_union, sql_rows
from routers.choices import DOWN, HealthState
from tenants.choices import TenantStatus
from tenants.dashboard import DASHBOARD_CHANGED, DASHBOARD_TOPIC
from tenants.models import Tenant

FAILED_JOBS_HOURS = 24


@listen("tenants", "tenant.created", "tenant.ready", "tenant.failed", "tenant.status")
def _tenants_changed(event: DomainEvent) -> None:
    publish_coalesced(None, DASHBOARD_TOPIC, DASHBOARD_CHANGED)


def tenants_by_status() -> dict[str, int]:
    counts = {status: 0 for status in TenantStatus.values}
    rows = (
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .values_list("status")
        .order_by()
    )
    for (status,) in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts


def across_tenants(schemas: list[str]) -> dict[str, Any]:
    """The per-account figures summed over `schemas`."""
    figures: dict[str, Any] = {
        "routers": {"total": 0, "online": 0, "degraded": 0, "down": 0},
        "online": {"hotspot": 0, "pppoe": 0},
        "payments_hour": {"started": 0, "completed": 0, "failed": 0},
        "failed_jobs": 0,
        "callbacks_waiting": 0,
        "callback_lag": 0.0,
    }
    if not schemas:
        return figures
    health = schemas_union('SELECT state FROM "{schema}".routers_routerhealth', schemas)
    routers = schemas_union('SELECT 1 FROM "{schema}".routers_router', schemas)
    states = dict(sql_rows(f"SELECT state, count(*) FROM ({health}) h GROUP BY state"))
    figures["routers"] = {
        "total": sql_rows(f"SELECT count(*) FROM ({routers}) r")[0][0],
        "online": states.get(HealthState.ONLINE, 0),
        "degraded": states.get(HealthState.DEGRADED, 0),
        "down": sum(states.get(state, 0) for state in DOWN),
    }
    online = schemas_union(
        'SELECT service FROM "{schema}".accounting_session WHERE is_open', schemas
    )
    for service, count in sql_rows(f"SELECT service, count(*) FROM ({online}) s GROUP BY service"):
        figures["online"][service or "unknown"] = count
    payments = schemas_union(
        'SELECT status FROM "{schema}".billing_payment'
        " WHERE created_at >= now() - interval '1 hour'",
        schemas,
    )
    hour = figures["payments_hour"]
    for status, count in sql_rows(f"SELECT status, count(*) FROM ({payments}) p GROUP BY status"):
        hour["started"] += count
        if status == "completed":
            hour["completed"] += count
        elif status in ("failed", "flagged"):
            hour["failed"] += count
    jobs = schemas_union(
        'SELECT 1 FROM "{schema}".jobs_job WHERE finished_at >= now() - interval '
        f"'{FAILED_JOBS_HOURS} hours' AND status = 'failed'",
        [get_public_schema_name(), *schemas],
    )
    figures["failed_jobs"] = sql_rows(f"SELECT count(*) FROM ({jobs}) j")[0][0]
    callbacks = schemas_union(
        "SELECT received_at FROM \"{schema}\".billing_paymentcallback WHERE outcome = 'received'",
        schemas,
    )
    waiting, lag = sql_rows(
        "SELECT count(*), coalesce(extract(epoch FROM now() - min(received_at)), 0)"
        f" FROM ({callbacks}) c"
    )[0]
    figures["callbacks_waiting"], figures["callback_lag"] = waiting, float(lag)
    return figures


def _existing(schemas: list[str]) -> list[str]:
    """The schemas that are there: an account marked active by hand before its schema was made
    (or whose schema was dropped) must not break the platform's page."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [schemas])
        found = {row[0] for row in cursor.fetchall()}
    return [schema for schema in schemas if schema in found]


def platform_dashboard() -> dict[str, Any]:
    """Everything the system dashboard shows, for its page and its live fragment."""
    from radtik.health import agents_check
    from tenants.selectors import tenant_schemas_active

    connection.set_schema_to_public()
    figures = across_tenants(_existing(tenant_schemas_active()))
    try:
        agents = agents_check()
    except Exception:  # an agent check that breaks must not take the page with it
        agents = None
    return {
        "tenants": tenants_by_status(),
        **figures,
        "queues": [
            {"name": name, "due": due, "oldest": round(oldest), "delayed": later}
            for name, (due, oldest, later) in queues().items()
        ],
        "agents": agents,
    }
