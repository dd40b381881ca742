"""Waiting for a Job that a real cluster runs."""

from __future__ import annotations

import time

from django_tenants.utils import schema_context

from radtik.jobs.choices import FINISHED_STATUSES
from radtik.jobs.models import Job


def wait_job(
    job_id: int, *, schema: str = "alpha", statuses=FINISHED_STATUSES, timeout: float = 30.0
) -> Job:
    """The job once its status is one of `statuses`; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with schema_context(schema):
            job = Job.objects.get(pk=job_id)
        if job.status in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job.status} ({job.message}) after {timeout} s")
