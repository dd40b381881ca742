"""Periodic work per tenant: a django-q2 Schedule (minute granularity) fans out one Job per
active tenant, so each run is a normal, visible, retried Job in the tenant's schema."""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import get_public_schema_name, schema_context

from tenants.choices import TenantStatus
from tenants.models import Tenant

# kind -> minutes between runs
PERIODIC_KINDS: dict[str, int] = {"vouchers.expire": 5}
# Safety nets of apps' own hand-overs (billing's callback inbox), run every minute inside each
# active tenant's schema with the schema's name.
MINUTE_CHECKS: list[Callable[[str], None]] = []


def enqueue_for_all_tenants(kind: str) -> int:
    from radtik.jobs.models import Job
    from radtik.jobs.services import job_enqueue

    queued = 0
    schemas = (
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .filter(status=TenantStatus.ACTIVE)
        .values_list("schema_name", flat=True)
    )
    for schema in schemas:
        with schema_context(schema):
            # One at a time per tenant: skip when the previous run has not finished.
            if not Job.objects.filter(kind=kind, status__in=["queued", "running"]).exists():
                job_enqueue(kind=kind)
                queued += 1
    return queued


def redeliver_stuck_jobs() -> int:
    """Every schema, platform included: queued jobs never handed to the cluster go again, swept
    kinds with live jobs get their chain of ticks back if it died, and MINUTE_CHECKS run."""
    from radtik.jobs.services import job_redeliver_stuck
    from radtik.jobs.sweep import sweeps_revive

    schemas = [
        get_public_schema_name(),
        *Tenant.objects.exclude(schema_name=get_public_schema_name())
        .filter(status=TenantStatus.ACTIVE)
        .values_list("schema_name", flat=True),
    ]
    count = 0
    for schema in schemas:
        with schema_context(schema):
            count += len(job_redeliver_stuck())
            sweeps_revive(schema)
            if schema != get_public_schema_name():
                for check in MINUTE_CHECKS:
                    check(schema)
    return count


def ensure_schedules() -> None:
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="jobs:redeliver",
        defaults={
            "func": "radtik.jobs.periodic.redeliver_stuck_jobs",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )

    for kind, minutes in PERIODIC_KINDS.items():
        Schedule.objects.update_or_create(
            name=f"periodic:{kind}",
            defaults={
                "func": "radtik.jobs.periodic.enqueue_for_all_tenants",
                "args": repr(kind),
                "schedule_type": Schedule.MINUTES,
                "minutes": minutes,
                "repeats": -1,
            },
        )
