"""What the django-q2 worker runs: one attempt of one Job, inside its tenant's schema.

Deliveries carry the attempt number they were sent for. The ORM broker re-delivers a task whose
worker died (SIGKILL, timeout) once `retry` has passed; we see that as a Job still `running` and
record the interrupted attempt before running again, so the log says what happened.
"""

from __future__ import annotations

import logging
import traceback

from django.db import transaction
from django_tenants.utils import schema_context

from radtik.jobs.choices import FINISHED_STATUSES, JobStatus
from radtik.jobs.context import JobCancelled, JobContext
from radtik.jobs.models import Job
from radtik.jobs.registry import get_kind
from radtik.jobs.services import (
    job_attempt_interrupted,
    job_attempt_start,
    job_fail,
    job_schedule_next_attempt,
    job_succeed,
)

logger = logging.getLogger("radtik.jobs")


def run_job(schema_name: str, job_id: int, attempt: int) -> str:
    with schema_context(schema_name):
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
        # Only a redelivery after the worker died can find the job running.
        if job.status == JobStatus.RUNNING and job_attempt_interrupted(job):
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
            if job.attempts < job.max_attempts:
                delay = kind.policy.delay_after(job.attempts)
                job_schedule_next_attempt(job, error=error, delay=delay)
                return "retrying"
            job_fail(job, error)
        return "failed"
    return "succeeded" if job_succeed(job, result) else "cancelled"


def _describe(exc: Exception) -> str:
    text = str(exc) or exc.__class__.__name__
    return text if len(text) < 2000 else text[:2000] + "…"
