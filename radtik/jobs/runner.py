"""What the django-q2 worker runs: one attempt of one Job, inside its tenant's schema.

Deliveries carry the attempt number they were sent for. A running attempt holds a lease its
heartbeat renews (radtik.jobs.lease): when its worker dies (SIGKILL), the lease sweep records the
interrupted attempt and hands the next one over within seconds. The ORM broker's own redelivery,
once `retry` has passed, is the net under it: it finds the Job still `running` on the same
attempt with its lease lapsed (the sweep did not run) and records the interruption itself, or
on a later attempt (the sweep did) and is skipped, so the log says what happened either way.
A redelivery while the lease is still renewed is skipped: that attempt is alive, only slower
than `retry` (two at once would end a session twice, or settle a payment twice).
"""

from __future__ import annotations

import logging
import traceback

from django.db import transaction
from django_tenants.utils import schema_context

from radtik.jobs.choices import FINISHED_STATUSES, JobStatus
from radtik.jobs.context import JobCancelled, JobContext, JobGiveUp
from radtik.jobs.lease import heartbeat, lease_holds
from radtik.jobs.models import Job
from radtik.jobs.registry import get_kind
from radtik.jobs.services import (
    job_attempt_interrupted,
    job_attempt_start,
    job_fail,
    job_schedule_next_attempt,
    job_succeed,
)
from radtik.logs import log_context

logger = logging.getLogger("radtik.jobs")


def run_job(schema_name: str, job_id: int, attempt: int) -> str:
    with schema_context(schema_name), log_context(tenant=schema_name, job_id=job_id):
        job = _claim(job_id, attempt, schema_name)
        if job is None:
            return "skipped"
        return _execute(job, schema_name)


def _claim(job_id: int, attempt: int, schema_name: str) -> Job | None:
    """Mark the job running for this delivery, or return None if the delivery is stale."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in FINISHED_STATUSES:
            return None
        if get_kind(job.kind).sweep is not None:
            return None  # its attempts are its sweep's (radtik.jobs.sweep), never a delivery's
        if job.status == JobStatus.QUEUED and attempt != job.attempts + 1:
            return None  # superseded (e.g. the job was retried by hand meanwhile)
        if job.status == JobStatus.RUNNING:
            if attempt != job.attempts:
                return None  # the broker's redelivery of an attempt the lease sweep replaced
            if lease_holds(job):
                # Its heartbeat still renews the lease: the attempt lives (it outran the
                # broker's `retry`, say under load), and running it twice at once would do its
                # work twice. Should its worker die, the lease sweep hands the attempt over.
                return None
            # The lease ran out and the broker hands the task out again: its worker died.
            if job_attempt_interrupted(job):
                return None
        job_attempt_start(job)
    return job


def run_in_foreground(job: Job, context: JobContext) -> str:
    """Run a job just enqueued with `foreground=True` (a single attempt) in this process
    (management commands with a progress bar): same attempt bookkeeping, result and events as
    in the worker."""
    claimed = _claim(job.pk, 1, context.schema_name)
    if claimed is None:
        return "skipped"
    context.job = claimed
    return _execute(claimed, context.schema_name, context)


def _execute(job: Job, schema_name: str, context: JobContext | None = None) -> str:
    kind = get_kind(job.kind)
    assert kind.run is not None  # swept kinds never get past _claim
    context = context or JobContext(job=job, schema_name=schema_name)
    try:
        with heartbeat(job, schema_name):
            result = kind.run(context)
    except JobCancelled:
        return "cancelled"
    except Exception as exc:
        error = _describe(exc)
        logger.warning("[%s] job %s #%s failed: %s", schema_name, job.kind, job.pk, error)
        logger.debug("".join(traceback.format_exception(exc)))
        with transaction.atomic():
            job.refresh_from_db()
            if job.status == JobStatus.CANCELLED:
                return "cancelled"
            if job.attempts < job.max_attempts and not isinstance(exc, JobGiveUp):
                delay = kind.policy.delay_after(job.attempts)
                job_schedule_next_attempt(job, error=error, delay=delay)
                return "retrying"
            job_fail(job, error)
        return "failed"
    return "succeeded" if job_succeed(job, result) else "cancelled"


def _describe(exc: Exception) -> str:
    text = str(exc) or exc.__class__.__name__
    return text if len(text) < 2000 else text[:2000] + "…"
