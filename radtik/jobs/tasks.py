"""The plumbing's own periodic work: pruning what grows (radtik.jobs.retention), and the rules
for the jobs themselves."""

from __future__ import annotations

import os
from typing import Any

from django.db import transaction
from django_tenants.utils import schema_context

from radtik.jobs.choices import FINISHED_STATUSES, JobStatus
from radtik.jobs.context import JobContext
from radtik.jobs.lease import LEASE_SWEEP, lease_lapsed
from radtik.jobs.models import Job, JobLogLine
from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind, kinds
from radtik.jobs.retention import RUN_SECONDS, RetentionRule, retention_prune, retention_register
from radtik.jobs.services import job_attempt_lost
from radtik.jobs.sweep import Sweep, sweep_register


def prune_old_data(ctx: JobContext) -> dict[str, Any]:
    # Half the attempt's time at most: what is left waits for the next run, never a timeout.
    return retention_prune(run_seconds=min(RUN_SECONDS, PruneOldData.policy.effective_timeout / 2))


PruneOldData = JobKind(
    name="jobs.retention",
    policy=JobPolicy(attempts=2, timeout=300, backoff=60),
    run=prune_old_data,
    every_minutes=60,
    enqueue_once=True,
    platform_too=True,  # tenant creations, welcome e-mails and their audit live in public
)

# A job's log lines go first (they are most of the rows); the job itself, later.
retention_register(
    RetentionRule(
        name="job log lines",
        days_setting="job_log_retention_days",
        rows=lambda cutoff: JobLogLine.objects.filter(
            job__status__in=FINISHED_STATUSES, job__finished_at__lt=cutoff
        ),
    )
)
retention_register(
    RetentionRule(
        name="finished jobs",
        days_setting="job_retention_days",
        rows=lambda cutoff: Job.objects.filter(
            status__in=FINISHED_STATUSES, finished_at__lt=cutoff
        ),
    )
)


RECLAIM_LIMIT = 100  # lapsed attempts handed over per schema and tick


def _leased_kinds() -> list[str]:
    """Kinds whose attempts the runner runs on its own (not batched, not swept)."""
    return [k.name for k in kinds() if k.run is not None and k.sweep is None and not k.run_batch]


def _lapsed_attempts(limit: int, lease: float) -> list[int]:
    """The current schema's runner attempts whose lease lapsed."""
    lapsed = Job.objects.filter(lease_lapsed(), kind__in=_leased_kinds())
    return list(lapsed.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def _attempts_running() -> bool:
    return Job.objects.filter(status=JobStatus.RUNNING, kind__in=_leased_kinds()).exists()


def _lapsed_rerun(claimed: dict[str, list[int]]) -> None:
    for schema, ids in claimed.items():
        with schema_context(schema):
            for job_id in ids:
                with transaction.atomic():
                    job = (
                        Job.objects.select_for_update(skip_locked=True)
                        .filter(lease_lapsed(), pk=job_id)
                        .first()
                    )
                    if job is not None:  # else renewed or taken meanwhile
                        job_attempt_lost(job)


# Runner attempts whose worker died: rerun once their lease lapsed (radtik.jobs.lease).
sweep_register(
    LEASE_SWEEP,
    Sweep(
        run=_lapsed_rerun,
        tick_seconds=float(os.environ.get("RADTIK_JOB_LEASE_TICK", "5")),
        limit=RECLAIM_LIMIT,
        lease=60,
        claim=_lapsed_attempts,
        watching=_attempts_running,
    ),
)
