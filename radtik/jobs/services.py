"""Every write to a Job goes through here: enqueue, retry, cancel, and their events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_changes, audit_record
from radtik.events import publish_many
from radtik.jobs.broker import hand_over
from radtik.jobs.choices import FINISHED_STATUSES, JobStatus, LogLevel
from radtik.jobs.lease import lease_end, lease_lapsed, lease_sweep_ensure, worker_name
from radtik.jobs.models import Job, JobLogLine
from radtik.jobs.registry import JobKind, get_kind
from radtik.tenancy import current_tenant_id

RUNNER = "radtik.jobs.runner.run_job"


def job_target_fields(target: models.Model | None) -> dict[str, str]:
    """A Job's columns naming what it works on (blank for none)."""
    if target is None:
        return {"target_type": "", "target_id": "", "target_repr": ""}
    return {
        "target_type": target._meta.label_lower,
        "target_id": str(target.pk),
        "target_repr": str(target)[:200],
    }


def job_enqueue(
    *,
    kind: JobKind,
    target: models.Model | None = None,
    params: dict[str, Any] | None = None,
    requested_by: Any = None,
    delay: float = 0,
    foreground: bool = False,
    max_attempts: int | None = None,
) -> Job:
    """Create a Job in the current schema and hand it to its cluster (which sees it once the
    caller commits).

    `foreground=True` records the job, with a single attempt, without handing it over: the
    caller runs it with runner.run_in_foreground (management commands that show progress on the
    terminal).
    """
    user = requested_by if getattr(requested_by, "is_authenticated", False) else None
    job = Job.objects.create(
        kind=kind.name,
        **job_target_fields(target),
        params=params or {},
        max_attempts=1 if foreground else max_attempts or kind.policy.attempts,
        requested_by=user,
        next_attempt_at=timezone.now() + timedelta(seconds=delay) if delay else None,
    )
    JobLogLine.objects.create(
        job=job, message=f"queued by {user.get_username() if user else 'system'}"
    )
    # Sent right after the commit, before any worker can have picked the job up and started it.
    job_publish(job, "job.queued")
    if not foreground:
        _deliver(job, delay=delay)
    return job


def jobs_enqueue(
    *, kind: JobKind, items: Sequence[tuple[models.Model | None, dict[str, Any]]]
) -> list[Job]:
    """job_enqueue (by the system, at once) for many Jobs of a batched kind, (target, params)
    each: one INSERT of the Jobs, one of their log lines, their events sent together and one
    wake of the kind's batch runner, whatever their number (a drained batch of callbacks)."""
    if kind.run_batch is None:
        raise ValueError(f"{kind.name} is not a batched kind: enqueue its jobs one by one")
    if not items:
        return []
    from radtik.jobs.batch import batch_wake  # the batch runner claims through this module

    jobs = Job.objects.bulk_create(
        [
            Job(
                kind=kind.name,
                **job_target_fields(target),
                params=params,
                max_attempts=kind.policy.attempts,
                delivered_attempt=1,  # the Job is the hand-over, as in _deliver
            )
            for target, params in items
        ]
    )
    JobLogLine.objects.bulk_create(
        [JobLogLine(job=job, message="queued by system") for job in jobs]
    )
    jobs_publish(jobs, "job.queued")
    schema_name = connection.schema_name
    transaction.on_commit(lambda: batch_wake(kind, schema_name), robust=True)
    return jobs


def _deliver(job: Job, *, delay: float) -> None:
    """Hand the job's next attempt to its cluster, in the caller's transaction.

    The broker's queue is a table of the same database, so its row commits with the job or not
    at all, and no worker sees it before the commit. Swept kinds are handed over after commit
    instead: their sweep must find the job when it looks; so are first attempts of batched
    kinds, to their batch runner.
    """
    schema_name = connection.schema_name
    attempt = job.attempts + 1
    kind = get_kind(job.kind)
    if kind.sweep is not None:
        from radtik.jobs.sweep import sweep_ensure  # the sweep claims through this module

        def hand_to_sweep() -> None:
            sweep_ensure(kind.name, schema_name)  # the kind's sweep claims the job once due
            _mark_delivered(job, attempt)

        # robust: an error in another hook must never keep a committed job from its sweep.
        transaction.on_commit(hand_to_sweep, robust=True)
        return
    if kind.run_batch is not None and not delay:
        from radtik.jobs.batch import batch_wake  # the batch runner claims through this module

        # The Job is the hand-over: a runner claims it from the table once it is committed.
        transaction.on_commit(lambda: batch_wake(kind, schema_name), robust=True)
        _mark_delivered(job, attempt)
        return
    policy = kind.policy
    hand_over(
        RUNNER,
        schema_name,
        job.pk,
        attempt,
        name=f"{job.kind}:{schema_name}:{job.pk}:{attempt}",
        timeout=policy.effective_timeout,
        delay=delay,
        queue=kind.queue,
        # The Job is the record. A saved result would cost the cluster's monitor a read of every
        # saved success per task (django-q prunes to save_limit so): a fifth of a payments
        # cluster's CPU at 20 tasks/s. django-q still keeps the failures (worker crashes).
        save=False,
    )
    _mark_delivered(job, attempt)


def _mark_delivered(job: Job, attempt: int) -> None:
    Job.objects.filter(pk=job.pk, delivered_attempt__lt=attempt).update(delivered_attempt=attempt)


def job_attempt_start(job: Job) -> None:
    """Record that the next attempt of `job` (locked by the caller) starts now, in this process,
    holding a lease its heartbeat renews (radtik.jobs.lease)."""
    job.attempts += 1
    job.status = JobStatus.RUNNING
    job.started_at = job.started_at or timezone.now()
    job.next_attempt_at = lease_end()
    job.message = f"Attempt {job.attempts} of {job.max_attempts}"
    job.save()
    JobLogLine.objects.create(
        job=job, stage=job.stage, message=f"attempt {job.attempts} started on {worker_name()}"
    )
    job_publish(job, "job.started")
    # Someone must notice the lease lapsing should this worker die (robust: the attempt runs
    # whatever happens to the sweep's hand-over).
    transaction.on_commit(lease_sweep_ensure, robust=True)


def job_progress(job: Job, *, stage: str, percent: int, message: str = "") -> None:
    """Move a running job to `stage` at `percent`, log the line and push it to watchers."""
    job.stage = stage
    job.progress = max(0, min(100, percent))
    job.message = message[:500]
    Job.objects.filter(pk=job.pk).update(stage=stage, progress=job.progress, message=job.message)
    job_log_add(job, message or stage, stage=stage, notify=False)
    job_publish(job, "job.progress", line=message or stage)


def job_checkpoint_save(job: Job, checkpoint: dict[str, Any]) -> None:
    """Keep how far a running job got, so its next attempt resumes there (a job whose worker
    died mid-way). Held in `result` until the job ends with its real result."""
    job.result = {"checkpoint": checkpoint}
    Job.objects.filter(pk=job.pk).update(result=job.result)


def job_log_add(
    job: Job, message: str, *, level: str = LogLevel.INFO, stage: str = "", notify: bool = True
) -> JobLogLine:
    """Add a line to the job's log panel (and, with `notify`, push it to its watchers)."""
    line = JobLogLine.objects.create(
        job=job, level=level, stage=stage or job.stage, message=message
    )
    if notify:
        job_publish(job, "job.log", line=message, level=level)
    return line


def job_redeliver_stuck(*, older_than: float = 60) -> list[Job]:
    """Hand over again queued jobs whose next attempt never reached the cluster."""
    cutoff = timezone.now() - timedelta(seconds=older_than)
    candidates = Job.objects.filter(
        status=JobStatus.QUEUED, delivered_attempt__lte=F("attempts")
    ).filter(
        Q(next_attempt_at__lte=cutoff) | Q(next_attempt_at__isnull=True, created_at__lte=cutoff)
    )
    # Swept kinds are handed over once per job, not per attempt (sweep.sweeps_revive).
    stuck = [job for job in candidates if get_kind(job.kind).sweep is None]
    for job in stuck:
        JobLogLine.objects.create(
            job=job,
            level=LogLevel.WARNING,
            message=f"attempt {job.attempts + 1} was never handed to the workers; handing it over",
        )
        _deliver(job, delay=0)
    return stuck


def job_schedule_next_attempt(job: Job, *, error: str, delay: float) -> None:
    """After a failed attempt with attempts left: back to queued, delivered again after `delay`."""
    job.status = JobStatus.QUEUED
    job.error = error
    job.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    job.message = f"Attempt {job.attempts} failed; retrying in {delay:g} s"
    job.save(update_fields=["status", "error", "next_attempt_at", "message"])
    JobLogLine.objects.create(
        job=job,
        level=LogLevel.WARNING,
        stage=job.stage,
        message=f"attempt {job.attempts} of {job.max_attempts} failed: {error}; "
        f"next attempt in {delay:g} s",
    )
    job_publish(job, "job.retrying", line=job.message, level=LogLevel.WARNING)
    _deliver(job, delay=delay)


def job_succeed(job: Job, result: dict[str, Any] | None) -> bool:
    """End a running job successfully; False when someone cancelled it meanwhile."""
    with transaction.atomic():
        job.refresh_from_db()
        if job.status == JobStatus.CANCELLED:
            return False
        job.status = JobStatus.SUCCEEDED
        job.progress = 100
        job.result = result
        job.error = ""
        job.finished_at = timezone.now()
        job.next_attempt_at = None
        job.message = job.message if job.stage else "Completed"
        job.save()
        JobLogLine.objects.create(job=job, stage=job.stage, message="completed")
        job_publish(job, "job.succeeded")
    return True


def job_fail(job: Job, error: str) -> None:
    """End a job as failed. Call inside the transaction that ends it: its kind's consequences
    (on_failed) commit together with the failed status, whichever way the last attempt ended."""
    job.status = JobStatus.FAILED
    job.error = error
    job.finished_at = timezone.now()
    job.next_attempt_at = None
    job.message = f"Failed after {job.attempts} attempt(s): {error}"[:500]
    job.save()
    JobLogLine.objects.create(job=job, level=LogLevel.ERROR, stage=job.stage, message=error)
    job_publish(job, "job.failed", line=error, level=LogLevel.ERROR)
    on_failed = get_kind(job.kind).on_failed
    if on_failed is not None:
        on_failed(job)


def job_attempt_interrupted(job: Job) -> bool:
    """A claim found `job` still running: its attempt died with its worker or sweep. Logs that,
    and fails the job when it was the last attempt (then True)."""
    JobLogLine.objects.create(
        job=job,
        level=LogLevel.WARNING,
        stage=job.stage,
        message=f"attempt {job.attempts} was interrupted (worker stopped or timed out)",
    )
    if job.attempts < job.max_attempts:
        return False
    job_fail(job, f"Interrupted on its last attempt ({job.attempts}).")
    return True


def job_attempt_lost(job: Job) -> None:
    """The lease of `job`'s running attempt (locked by the caller) lapsed: its worker stopped
    renewing it. Logs the interruption and hands the next attempt over now (or fails the job
    when that was its last attempt)."""
    if job_attempt_interrupted(job):
        return
    job.status = JobStatus.QUEUED
    job.next_attempt_at = None
    job.message = f"Attempt {job.attempts} was interrupted; running it again"
    job.save(update_fields=["status", "next_attempt_at", "message"])
    JobLogLine.objects.create(
        job=job,
        level=LogLevel.WARNING,
        stage=job.stage,
        message=f"attempt {job.attempts} lost its lease (no heartbeat); "
        f"attempt {job.attempts + 1} handed over",
    )
    job_publish(job, "job.retrying", line=job.message, level=LogLevel.WARNING)
    _deliver(job, delay=0)


def job_claim_due(*, kind: str, limit: int, lease: float) -> list[Job]:
    """Start the next attempt of up to `limit` due jobs of a swept kind, in one transaction.

    A claimed job is `running` with next_attempt_at = now + `lease`: a sweep that died leaves it
    so, and past the lease the attempt counts as interrupted and the job is claimed again (as the
    runner does for a dead worker). Each claimed job carries `due_at`, when its attempt was due.
    Claiming publishes nothing: the attempt's outcome does.
    """
    now = timezone.now()
    due = Q(status=JobStatus.QUEUED) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    with transaction.atomic():
        jobs = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(due | lease_lapsed(), kind=kind)
            .order_by(F("next_attempt_at").asc(nulls_first=True), "pk")[:limit]
        )
        claimed: list[Job] = []
        lines: list[JobLogLine] = []
        for job in jobs:
            if job.status == JobStatus.RUNNING and job_attempt_interrupted(job):
                continue
            job.due_at = job.next_attempt_at or now  # not a field: for the batch's schedule
            job.attempts += 1
            job.status = JobStatus.RUNNING
            job.started_at = job.started_at or now
            job.next_attempt_at = lease_end(lease)
            job.message = f"Attempt {job.attempts} of {job.max_attempts}"
            claimed.append(job)
            lines.append(JobLogLine(job=job, message=f"attempt {job.attempts} started"))
        fields = ["attempts", "status", "started_at", "next_attempt_at", "message"]
        Job.objects.bulk_update(claimed, fields)
        JobLogLine.objects.bulk_create(lines)
    return claimed


def job_attempts_failed(failures: Sequence[tuple[Job, str, datetime]]) -> None:
    """Record failed attempts of claimed jobs in bulk, as (job, error, next attempt at).

    Jobs with attempts left go back to queued; the rest fail (with their kind's on_failed). Each
    job's own watchers get one event; the tenant's job list is not told of every attempt.
    """
    by_pk = {job.pk: (job, error, retry_at) for job, error, retry_at in failures}
    with transaction.atomic():
        still_running = set(
            Job.objects.select_for_update()
            .filter(pk__in=by_pk, status=JobStatus.RUNNING)
            .values_list("pk", flat=True)
        )  # a job cancelled during its attempt stays cancelled
        retrying: list[Job] = []
        lines: list[JobLogLine] = []
        for pk in sorted(still_running):
            job, error, retry_at = by_pk[pk]
            if job.attempts >= job.max_attempts:
                job_fail(job, error)
                continue
            wait = max(0.0, (retry_at - timezone.now()).total_seconds())
            job.status = JobStatus.QUEUED
            job.error = error
            job.next_attempt_at = retry_at
            job.message = f"Attempt {job.attempts} failed; retrying in {wait:.0f} s"
            retrying.append(job)
            line = (
                f"attempt {job.attempts} of {job.max_attempts} failed: {error}; "
                f"next attempt in {wait:.0f} s"
            )
            lines.append(JobLogLine(job=job, level=LogLevel.WARNING, message=line))
            job_publish(job, "job.retrying", line=line, level=LogLevel.WARNING, list_too=False)
        Job.objects.bulk_update(retrying, ["status", "error", "next_attempt_at", "message"])
        JobLogLine.objects.bulk_create(lines)


def job_retry(*, job: Job, actor: Any = None) -> Job:
    """Run a failed or cancelled job again from its first attempt."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if not job.can_retry:
            raise ValidationError(
                f"Only failed or cancelled jobs can be retried; this one is {job.status}."
            )
        previous = job.status
        job.status = JobStatus.QUEUED
        job.attempts = 0
        job.progress = 0
        job.stage = ""
        job.message = "Queued again"
        job.finished_at = None
        job.next_attempt_at = None
        job.save()
        JobLogLine.objects.create(
            job=job, message=f"retried by {actor.get_username() if actor else 'system'}"
        )
        audit_record(
            actor=actor,
            action=AuditAction.JOB_RETRY,
            obj=job,
            changes=audit_changes({"status": previous}, {"status": job.status}),
        )
        job_publish(job, "job.queued")
        _deliver(job, delay=0)
    return job


def job_cancel(*, job: Job, actor: Any = None) -> Job:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status in FINISHED_STATUSES:
            raise ValidationError(f"This job has already finished ({job.status}).")
        previous = job.status
        job.status = JobStatus.CANCELLED
        job.finished_at = timezone.now()
        job.message = "Cancelled"
        job.save(update_fields=["status", "finished_at", "message"])
        JobLogLine.objects.create(
            job=job, message=f"cancelled by {actor.get_username() if actor else 'system'}"
        )
        audit_record(
            actor=actor,
            action=AuditAction.JOB_CANCEL,
            obj=job,
            changes=audit_changes({"status": previous}, {"status": job.status}),
        )
        job_publish(job, "job.cancelled")
    return job


def job_payload(job: Job) -> dict[str, Any]:
    """The job as watchers see it: same shape over the websocket and in the API."""
    return {
        "id": job.pk,
        "kind": job.kind,
        "target": {"type": job.target_type, "id": job.target_id, "repr": job.target_repr},
        "status": job.status,
        "stage": job.stage,
        "progress": job.progress,
        "message": job.message,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "error": job.error,
        "result": job.result,
        "next_attempt_at": job.next_attempt_at.isoformat() if job.next_attempt_at else None,
    }


def job_publish(
    job: Job, event: str, *, line: str = "", level: str = LogLevel.INFO, list_too: bool = True
) -> None:
    """Push a job change to `job.<id>` (its own page), to its target's jobs (job_target_topic:
    the target's page shows a job started after it loaded) and, with `list_too`, to `jobs`
    (every job of the tenant).

    JSON clients read the payload; HTMX pages swap the fragments radtik.jobs.fragments makes of it.
    """
    payload = job_payload(job)
    if line:
        payload.update(line=line, level=level, at=timezone.now().isoformat())
    publish_many(current_tenant_id(), _job_events(job, event, payload, list_too=list_too))


def jobs_publish(jobs: Sequence[Job], event: str) -> None:
    """job_publish for many jobs (a batch's), sent together after commit."""
    events = [e for job in jobs for e in _job_events(job, event, job_payload(job), list_too=True)]
    publish_many(current_tenant_id(), events)


def _job_events(
    job: Job, event: str, payload: dict[str, Any], *, list_too: bool
) -> list[tuple[str, str, dict | None]]:
    topics = ["jobs"] if list_too else []
    topics.append(f"job.{job.pk}")
    if job.target_type:
        topics.append(job_target_topic(job.target_type, job.target_id))
    return [(topic, event, payload) for topic in topics]


JOB_TARGET_TOPIC_PREFIX = "jobs."


def job_target_topic(target_type: str, target_id: Any) -> str:
    """Where the jobs of one target are told: `jobs.routers.router.7`."""
    return f"{JOB_TARGET_TOPIC_PREFIX}{target_type}.{target_id}"
