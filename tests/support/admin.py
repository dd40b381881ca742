"""Acting in the Django admin as a tenant's admin, and running what it queued."""

from __future__ import annotations

from radtik.jobs.choices import JobStatus
from radtik.jobs.models import Job
from radtik.jobs.runner import run_job


def run_queued_jobs(schema: str = "alpha") -> list[Job]:
    """Run every queued job of the schema in this process, with the real runner, until none is
    left (a job may queue another); in a test transaction no cluster could see them."""
    ran: list[Job] = []
    while queued := list(Job.objects.filter(status=JobStatus.QUEUED).order_by("id")):
        for job in queued:
            outcome = run_job(schema, job.pk, job.attempts + 1)
            job.refresh_from_db()
            assert outcome == "succeeded", f"{job.kind}: {outcome} {job.error}"
            ran.append(job)
    return ran
