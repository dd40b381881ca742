"""Periodic work per tenant: a django-q2 Schedule (minute granularity) fans out one Job per
active tenant, so each run is a normal, visible, retried Job in the tenant's schema. Kinds say
how often with `JobKind(every_minutes=...)`."""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import get_public_schema_name, schema_context

from radtik.jobs.registry import get_kind, kinds
from radtik.jobs.selectors import job_live
from tenants.selectors import tenant_schemas_active

# Safety nets of apps' own hand-overs, run every minute inside each active tenant's schema with
# the schema's name (minute_check_register).
_MINUTE_CHECKS: list[Callable[[str], None]] = []


def minute_check_register(check: Callable[[str], None]) -> None:
    _MINUTE_CHECKS.append(check)


def enqueue_for_all_tenants(kind: str) -> None:
    """What a periodic kind's Schedule runs (django-q2 stores the kind's name as its argument)."""
    from radtik.jobs.services import job_enqueue

    job_kind = get_kind(kind)
    schemas = tenant_schemas_active()
    for schema in [get_public_schema_name(), *schemas] if job_kind.platform_too else schemas:
        with schema_context(schema):
            if job_kind.enqueue_once and job_live(kind=job_kind) is not None:
                continue  # the previous run has not finished
            job_enqueue(kind=job_kind)


def redeliver_stuck_jobs() -> int:
    """Every schema, platform included: queued jobs never handed to the cluster go again, swept
    kinds with live jobs get their chain of ticks back if it died, and the minute checks run."""
    from radtik.jobs.batch import batches_revive
    from radtik.jobs.services import job_redeliver_stuck
    from radtik.jobs.sweep import sweeps_revive

    count = 0
    for schema in [get_public_schema_name(), *tenant_schemas_active()]:
        with schema_context(schema):
            count += len(job_redeliver_stuck())
            sweeps_revive(schema)
            batches_revive(schema)
            if schema != get_public_schema_name():
                for check in _MINUTE_CHECKS:
                    check(schema)
    return count


def ensure_schedules() -> None:
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="jobs:redeliver",
        defaults={
            "func": f"{__name__}.{redeliver_stuck_jobs.__name__}",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
    for kind in kinds():
        if kind.every_minutes is None:
            continue
        Schedule.objects.update_or_create(
            name=f"periodic:{kind.name}",
            defaults={
                "func": f"{__name__}.{enqueue_for_all_tenants.__name__}",
                "args": repr(kind.name),
                "schedule_type": Schedule.MINUTES,
                "minutes": kind.every_minutes,
                "repeats": -1,
            },
        )
