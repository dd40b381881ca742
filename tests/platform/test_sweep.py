"""Swept job kinds (probing): attempts claimed and recorded in bulk by a chain of ticks."""

from __future__ import annotations

import time

import pytest
from django_tenants.utils import schema_context

from radtik.jobs.models import Job
from radtik.jobs.services import job_cancel, job_claim_due, job_enqueue
from radtik.jobs.sweep import sweep_ensure, sweep_tick
from radtik.redis_client import redis_client, redis_key
from tests.support.cleanup import forget_wake_keys
from tests.support.jobkinds import Swept
from tests.support.jobs import wait_job

LEASE = redis_key("sweep", "test.swept", "lease")


def messages(job: Job) -> list[str]:
    return list(job.log_lines.values_list("message", flat=True))


@pytest.mark.usefixtures("live_db", "qcluster")
def test_swept_job_runs_its_attempts_in_ticks_until_it_succeeds(tenants):
    with schema_context("alpha"):
        job = job_enqueue(kind=Swept)
    job = wait_job(job.pk, timeout=15)
    assert (job.status, job.attempts, job.result) == ("succeeded", 3, {"succeeded_on": 3})
    with schema_context("alpha"):
        log = messages(job)
    assert log[1:] == [
        "attempt 1 started",
        "attempt 1 of 5 failed: not yet; next attempt in 0 s",
        "attempt 2 started",
        "attempt 2 of 5 failed: not yet; next attempt in 0 s",
        "attempt 3 started",
        "completed",
    ]


@pytest.mark.usefixtures("live_db", "qcluster")
def test_swept_job_fails_after_its_last_attempt_and_a_cancelled_one_stops(tenants):
    with schema_context("alpha"):
        failing = job_enqueue(kind=Swept, params={"succeed_on": 99}, max_attempts=2)
        cancelled = job_enqueue(kind=Swept, params={"succeed_on": 99}, max_attempts=50)
    failing = wait_job(failing.pk, timeout=15)
    assert (failing.status, failing.attempts, failing.error) == ("failed", 2, "not yet")
    with schema_context("alpha"):
        job_cancel(job=Job.objects.get(pk=cancelled.pk))
        attempts = Job.objects.get(pk=cancelled.pk).attempts
    time.sleep(1)  # five ticks
    with schema_context("alpha"):
        after = Job.objects.get(pk=cancelled.pk)
    assert (after.status, after.attempts) == ("cancelled", attempts)


@pytest.mark.django_db
def test_an_attempt_whose_sweep_died_counts_as_interrupted(tenants):
    with schema_context("alpha"):
        job = Job.objects.create(kind="test.swept", max_attempts=2)
        assert [j.pk for j in job_claim_due(kind="test.swept", limit=10, lease=0)] == [job.pk]
        assert job_claim_due(kind="test.swept", limit=10, lease=60) != []  # lease 0 ran out
        assert job_claim_due(kind="test.swept", limit=10, lease=60) == []  # held: not twice
        job.refresh_from_db()
        assert (job.status, job.attempts) == ("running", 2)
        assert "attempt 1 was interrupted (worker stopped or timed out)" in messages(job)
        Job.objects.filter(pk=job.pk).update(next_attempt_at=job.created_at)
        assert job_claim_due(kind="test.swept", limit=10, lease=60) == []
        job.refresh_from_db()
        assert (job.status, job.error) == ("failed", "Interrupted on its last attempt (2).")


@pytest.mark.django_db
def test_a_stale_chain_is_replaced_and_ends_at_its_next_tick(tenants):
    client = redis_client()
    try:
        client.set(LEASE, f"old:{time.time() - 60}")
        sweep_ensure("test.swept", "alpha")
        token = client.get(LEASE).split(":")[0]
        assert token != "old"
        assert sweep_tick("test.swept", "old") == 0  # superseded: claims nothing
        assert client.get(LEASE).split(":")[0] == token

        client.set(LEASE, f"{token}:{time.time()}")
        sweep_ensure("test.swept", "alpha")  # a live chain is left alone
        assert client.get(LEASE).split(":")[0] == token
    finally:
        forget_wake_keys()
