"""Every write to a Job goes through here: enqueue, retry, cancel, and their events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_q.tasks import async_task

from radtik.audit.services import audit_record
from radtik.events import publish
from radtik.jobs.broker import DelayedOrmBroker
from radtik.jobs.choices import FINISHED_STATUSES, JobStatus, LogLevel
from radtik.jobs.models import Job, JobLogLine
from radtik.jobs.registry import get_kind
from radtik.tenancy import current_tenant_id

RUNNER = "radtik.jobs.runner.run_job"


def job_enqueue(
    *,
    kind: str,
    target: models.Model | None = None,
    params: dict[str, Any] | None = None,
    requested_by: Any = None,
    delay: float = 0,
    foreground: bool = False,
    max_attempts: int | None = None,
) -> Job:
    """Create a Job in the current schema and hand it to the cluster once the caller commits.

    `foreground=True` records the job without handing it over: the caller runs it with
    runner.run_in_foreground (management commands that show progress on the terminal).
    """
    job_kind = get_kind(kind)
    user = requested_by if getattr(requested_by, "is_authenticated", False) else None
    job = Job.objects.create(
        kind=kind,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        params=params or {},
        max_attempts=max_attempts or job_kind.policy.attempts,
        requested_by=user,
        next_attempt_at=timezone.now() + timedelta(seconds=delay) if delay else None,
    )
    JobLogLine.objects.create(
        job=job, message=f"queued by {user.get_username() if user else 'system'}"
    )
    # Published before delivery: on-commit callbacks run in order, so watchers see "queued" first.
    job_publish(job, "job.queued")
    if not foreground:
        _deliver_on_commit(job, delay=delay)
    return job


def _deliver_on_commit(job: Job, *, delay: float) -> None:
    schema_name = connection.schema_name
    attempt = job.attempts + 1
    policy = get_kind(job.kind).policy
    name = f"{job.kind}:{schema_name}:{job.pk}:{attempt}"

    def deliver() -> None:
        options: dict[str, Any] = {"timeout": policy.effective_timeout, "task_name": name}
        if policy.queue:
            options["cluster"] = policy.queue
        if delay:
            options["broker"] = DelayedOrmBroker(
                timezone.now() + timedelta(seconds=delay), list_key=policy.queue or None
            )
        async_task(RUNNER, schema_name, job.pk, attempt, q_options=options)
        Job.objects.filter(pk=job.pk, delivered_attempt__lt=attempt).update(
            delivered_attempt=attempt
        )

    # robust: an error in another hook must never keep a committed job from its cluster.
    transaction.on_commit(deliver, robust=True)


def job_redeliver_stuck(*, older_than: float = 60) -> list[Job]:
    """Hand over again queued jobs whose next attempt never reached the cluster."""
    cutoff = timezone.now() - timedelta(seconds=older_than)
    stuck = list(
        Job.objects.filter(
            status=JobStatus.QUEUED, delivered_attempt__lte=models.F("attempts")
        ).filter(
            models.Q(next_attempt_at__lte=cutoff)
            | models.Q(next_attempt_at__isnull=True, created_at__lte=cutoff)
        )
    )
    for job in stuck:
        JobLogLine.objects.create(
            job=job,
            level=LogLevel.WARNING,
            message=f"attempt {job.attempts + 1} was never handed to the workers; handing it over",
        )
        _deliver_on_commit(job, delay=0)
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
    _deliver_on_commit(job, delay=delay)


def job_retry(*, job: Job, actor: Any = None) -> Job:
    """Run a failed or cancelled job again from its first attempt."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
            raise ValidationError(
                f"Only failed or cancelled jobs can be retried; this one is {job.status}."
            )
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
        audit_record(actor=actor, action="job.retry", obj=job)
        job_publish(job, "job.queued")
        _deliver_on_commit(job, delay=0)
    return job


def job_cancel(*, job: Job, actor: Any = None) -> Job:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status in FINISHED_STATUSES:
            raise ValidationError(f"This job has already finished ({job.status}).")
        job.status = JobStatus.CANCELLED
        job.finished_at = timezone.now()
        job.message = "Cancelled"
        job.save(update_fields=["status", "finished_at", "message"])
        JobLogLine.objects.create(
            job=job, message=f"cancelled by {actor.get_username() if actor else 'system'}"
        )
        audit_record(actor=actor, action="job.cancel", obj=job)
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


def job_publish(job: Job, event: str, *, line: str = "", level: str = LogLevel.INFO) -> None:
    """Push a job change to `jobs` (every job of the tenant) and `job.<id>` (its own page).

    JSON clients read the payload; HTMX pages swap the rendered fragments by id.
    """
    tenant_id = current_tenant_id()
    payload = job_payload(job)
    if line:
        payload["line"] = line
        payload["level"] = level
    html = render_to_string("jobs/partials/status.html", {"job": job})
    if line:
        html += render_to_string(
            "jobs/partials/log_line.html",
            {"job": job, "line": line, "level": level, "at": timezone.now()},
        )
    publish(tenant_id, "jobs", event, payload, html=html)
    publish(tenant_id, f"job.{job.pk}", event, payload, html=html)
