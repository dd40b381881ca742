"""Batched kinds: the first attempts of many Jobs of one kind, run together by one task.

A kind that declares `run_batch` (ProcessPayment) is not handed to its cluster one task per Job:
each first delivery only makes sure a batch runner is queued or running for its schema, and
that runner claims up to `batch_size` due Jobs at once, oldest first, runs them with
`run_batch` (many payments per transaction, one RADIUS call) and records the outcomes in bulk.
One django-q2 task per batch instead of per Job: a burst of payments is settled at several
times the rate (bench/payments_callback.py). The Jobs stay what users watch: same statuses,
attempts, results and log lines; a failed attempt is retried as any other, one task per attempt
through the kind's `run` (radtik.jobs.runner), so a batch never waits on a retry's delay.

Wake-ups coalesce as the callback inbox's do (billing.inbox): a Redis key per kind and schema
says a runner is queued or running; it is cleared before the runner's last look for Jobs, so a
Job queued meanwhile is either seen by that look or wakes a new runner. Claimed Jobs are running
with a lease (radtik.jobs.lease; here now + the kind's timeout): a runner that died leaves them
so, and past the lease the attempt counts as interrupted and the Job is claimed again. The minute
check (batches_revive) wakes a schema whose Jobs waited too long or whose lease ran out.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from radtik.jobs.broker import hand_over
from radtik.jobs.choices import JobStatus
from radtik.jobs.context import JobGiveUp
from radtik.jobs.lease import lease_end, lease_lapsed
from radtik.jobs.models import Job, JobLogLine
from radtik.jobs.registry import JobKind, get_kind, kinds
from radtik.jobs.services import (
    job_attempt_interrupted,
    job_fail,
    job_schedule_next_attempt,
    jobs_publish,
)
from radtik.logs import log_context
from radtik.redis_client import redis_client, redis_key
from radtik.tenancy import tenant_schema

logger = logging.getLogger("radtik.jobs")

RUNNER = "radtik.jobs.batch.batch_run"
WAKE_TTL = 60  # s a dead runner can hold back wake-ups
REVIVE_AFTER = timedelta(seconds=30)  # a Job due this long gets a runner from the minute check


def batch_wake(kind: JobKind, schema_name: str, *, force: bool = False) -> None:
    """Jobs of `kind` are due in `schema_name`: make sure a batch runner is queued or running.
    Never raises: the Jobs are stored, and the minute check wakes them if this fails."""
    try:
        if force or _claim_wake(kind, schema_name):
            hand_over(
                RUNNER,
                kind.name,
                schema_name,
                name=f"batch:{kind.name}:{schema_name}",
                timeout=kind.policy.effective_timeout * 5,
                queue=kind.queue,
                save=False,
            )
    except Exception:
        logger.exception("could not wake the %s batch runner of %s", kind.name, schema_name)


def batch_run(kind_name: str, schema_name: str) -> int:
    """The runner's task: run due Jobs of the kind in batches until none is left; returns how
    many ran."""
    kind = get_kind(kind_name)
    ran = 0
    with tenant_schema(schema_name), log_context(tenant=schema_name):
        while True:
            while jobs := _claim(kind):
                _execute(kind, jobs, schema_name)
                ran += len(jobs)
            redis_client().delete(_key(kind, schema_name))
            # A Job queued since the last claim found the key set and woke nobody.
            if not _due(kind).exists() or not _claim_wake(kind, schema_name):
                return ran


def batches_revive(schema_name: str) -> None:
    """Minute check, inside `schema_name`: due Jobs of a batched kind nobody runs (a lost
    wake-up, a runner that died) get a runner."""
    stale = timezone.now() - REVIVE_AFTER
    for kind in kinds():
        if kind.run_batch is None:
            continue
        waiting = _due(kind).filter(Q(status=JobStatus.RUNNING) | Q(created_at__lt=stale))
        if waiting.exists():
            logger.warning("%s jobs waited in %s; waking their runner", kind.name, schema_name)
            batch_wake(kind, schema_name, force=True)


def _due(kind: JobKind) -> QuerySet[Job]:
    """First deliveries waiting (a retry's attempt goes to the runner with its delay: it has
    next_attempt_at) and claims whose lease ran out."""
    return Job.objects.filter(kind=kind.name).filter(
        Q(
            status=JobStatus.QUEUED,
            next_attempt_at__isnull=True,
            delivered_attempt__gt=F("attempts"),  # handed over (not a foreground Job)
        )
        | lease_lapsed()
    )


def _claim(kind: JobKind) -> list[Job]:
    """Start the next attempt of up to batch_size due Jobs, oldest first, in one transaction."""
    now = timezone.now()
    lease = lease_end(kind.policy.effective_timeout)
    with transaction.atomic():
        jobs = list(
            _due(kind).select_for_update(skip_locked=True).order_by("pk")[: kind.batch_size]
        )
        claimed: list[Job] = []
        for job in jobs:
            if job.status == JobStatus.RUNNING and job_attempt_interrupted(job):
                continue
            job.attempts += 1
            job.status = JobStatus.RUNNING
            job.started_at = job.started_at or now
            job.next_attempt_at = lease
            job.message = f"Attempt {job.attempts} of {job.max_attempts}"
            claimed.append(job)
        fields = ["attempts", "status", "started_at", "next_attempt_at", "message"]
        Job.objects.bulk_update(claimed, fields)
        JobLogLine.objects.bulk_create(
            JobLogLine(job=job, message=f"attempt {job.attempts} started") for job in claimed
        )
    return claimed


def _execute(kind: JobKind, jobs: list[Job], schema_name: str) -> None:
    assert kind.run_batch is not None
    try:
        outcomes = kind.run_batch(jobs)
    except Exception as exc:  # the batch as a whole: every Job's attempt failed with it
        logger.exception("[%s] batch of %s %s jobs failed", schema_name, len(jobs), kind.name)
        outcomes = [exc] * len(jobs)
    succeeded = [(job, out) for job, out in zip(jobs, outcomes, strict=True) if _ok(out)]
    _succeed(succeeded)
    for job, outcome in zip(jobs, outcomes, strict=True):
        if not _ok(outcome):
            _fail_attempt(kind, job, outcome, schema_name)


def _ok(outcome: object) -> bool:
    return not isinstance(outcome, BaseException)


def _succeed(done: list[tuple[Job, object]]) -> None:
    """End the Jobs successfully in one transaction; one cancelled meanwhile stays cancelled.
    Each Job's watchers get their event; the tenant's job list gets one per Job, as ever."""
    if not done:
        return
    now = timezone.now()
    with transaction.atomic():
        running = set(
            Job.objects.select_for_update()
            .filter(pk__in=[job.pk for job, _ in done], status=JobStatus.RUNNING)
            .values_list("pk", flat=True)
        )
        finished = []
        for job, result in done:
            if job.pk not in running:
                continue
            job.status, job.progress, job.result, job.error = JobStatus.SUCCEEDED, 100, result, ""
            job.finished_at, job.next_attempt_at = now, None
            job.message = job.message if job.stage else "Completed"
            finished.append(job)
        fields = ["status", "progress", "result", "error", "finished_at", "next_attempt_at"]
        Job.objects.bulk_update(finished, [*fields, "message"])
        JobLogLine.objects.bulk_create(
            JobLogLine(job=job, stage=job.stage, message="completed") for job in finished
        )
        jobs_publish(finished, "job.succeeded")


def _fail_attempt(kind: JobKind, job: Job, exc: BaseException, schema_name: str) -> None:
    """As the runner records a failed attempt: retried after the policy's delay (through the
    kind's `run`), or failed with its on_failed."""
    error = (str(exc) or type(exc).__name__)[:2000]
    logger.warning("[%s] job %s #%s failed: %s", schema_name, job.kind, job.pk, error)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status != JobStatus.RUNNING:
            return  # cancelled meanwhile
        if job.attempts < job.max_attempts and not isinstance(exc, JobGiveUp):
            job_schedule_next_attempt(job, error=error, delay=kind.policy.delay_after(job.attempts))
        else:
            job_fail(job, error)


def _claim_wake(kind: JobKind, schema_name: str) -> bool:
    """True for the one caller that finds no runner queued or running (and now says there is)."""
    return bool(redis_client().set(_key(kind, schema_name), "1", nx=True, ex=WAKE_TTL))


def _key(kind: JobKind, schema_name: str) -> str:
    return redis_key("jobs", "batch", kind.name, schema_name)
