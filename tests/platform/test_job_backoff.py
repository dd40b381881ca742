"""The delays a failing job actually gets: exponential as its kind's policy says, capped.

Attempts run through the real runner (the function a worker runs); the test reads what it
wrote: the job's next_attempt_at and the broker row that delivers the next attempt.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ
from django_tenants.utils import schema_context

from radtik.jobs.models import Job
from radtik.jobs.runner import run_job
from radtik.jobs.services import job_enqueue
from tests.support.jobkinds import Backoff

pytestmark = pytest.mark.django_db


def test_retry_delays_double_from_the_configured_backoff_up_to_its_cap(tenants):
    with schema_context("alpha"):
        job = job_enqueue(kind=Backoff)  # backoff 2 s, at most 5 s, 5 attempts
        for attempt, delay in enumerate([2, 4, 5, 5], start=1):
            before = timezone.now()
            assert run_job("alpha", job.pk, attempt) == "retrying"
            after = timezone.now()
            job.refresh_from_db()
            step = timedelta(seconds=delay)
            # Due `delay` s after the failure, which happened between `before` and `after`.
            assert before + step <= job.next_attempt_at <= after + step, (attempt, job)
            (delivery,) = [
                row
                for row in OrmQ.objects.all()
                if row.name() == f"test.backoff:alpha:{job.pk}:{attempt + 1}"
            ]
            assert before + step <= delivery.lock <= after + step, (attempt, delivery.lock)
            assert job.log_lines.filter(message__endswith=f"next attempt in {delay} s").exists()
        assert run_job("alpha", job.pk, 5) == "failed"
        job = Job.objects.get(pk=job.pk)
        assert job.status == "failed" and job.attempts == 5 and job.next_attempt_at is None
