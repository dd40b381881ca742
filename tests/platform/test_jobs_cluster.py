"""The Job plumbing through a real qcluster process on the ORM broker."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import psutil
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from radtik.jobs.models import Job
from radtik.jobs.runner import run_job
from radtik.jobs.services import job_enqueue
from tests.support.jobkinds import AlwaysFails, Flaky, OnPaymentsQueue, Progress, SlowEffect
from tests.support.jobs import wait_job

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")


def runs(job_id: int) -> list[tuple[int, int, float]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attempt, pid, extract(epoch from at) FROM public.test_job_runs "
            "WHERE job_id = %s ORDER BY id",
            [job_id],
        )
        return cursor.fetchall()


def log_of(schema: str, job: Job) -> list[str]:
    with schema_context(schema):
        return list(job.log_lines.values_list("message", flat=True))


def test_flaky_job_succeeds_on_third_attempt_with_backoff(tenants):
    with schema_context("alpha"):
        job = job_enqueue(kind=Flaky)
    job = wait_job(job.pk, schema="alpha")
    assert job.status == "succeeded", job.error
    assert job.attempts == 3 and job.result == {"succeeded_on": 3}
    attempts = runs(job.pk)
    assert [a for a, _, _ in attempts] == [1, 2, 3]
    # Backoff 1 s then 2 s, recorded in the log and respected in time.
    log = log_of("alpha", job)
    assert any(
        "attempt 1 of 3 failed: simulated failure on attempt 1; next attempt in 1 s" in line
        for line in log
    )
    assert any("attempt 2 of 3 failed" in line and "next attempt in 2 s" in line for line in log)
    assert attempts[1][2] - attempts[0][2] >= 1.0
    assert attempts[2][2] - attempts[1][2] >= 2.0


def test_exhausted_job_fails_and_retry_jobs_revives_it(tenants, capsys):
    with schema_context("beta"):
        job = job_enqueue(kind=AlwaysFails, params={"heal_marker": "fixed-router"})
    job = wait_job(job.pk, schema="beta")
    assert job.status == "failed"
    assert job.attempts == 2
    assert job.error == "the router said no (simulated)"
    assert job.finished_at is not None

    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO public.test_effects (key) VALUES ('fixed-router')")
    call_command("retry_jobs", kind="test.always_fails", tenant="beta")
    assert "1 job(s) queued again" in capsys.readouterr().out
    job = wait_job(job.pk, schema="beta", statuses=("succeeded",))
    assert job.result == {"healed": True}
    assert any("retried by system" in line for line in log_of("beta", job))


def test_retry_jobs_without_a_selection_exits_nonzero():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Say which jobs"):
        call_command("retry_jobs")
    with pytest.raises(CommandError, match="Unknown tenant 'nobody'"):
        call_command("retry_jobs", tenant="nobody")


def test_worker_killed_mid_job_runs_it_again_and_applies_once(tenants):
    with schema_context("alpha"):
        job = job_enqueue(kind=SlowEffect, params={"sleep": 3})
    deadline = time.monotonic() + 20
    while not runs(job.pk):
        assert time.monotonic() < deadline, "job never started"
        time.sleep(0.05)
    ((_, pid, _),) = runs(job.pk)
    assert psutil.pid_exists(pid)
    os.kill(pid, signal.SIGKILL)  # mid-sleep, before the effect

    job = wait_job(job.pk, schema="alpha", timeout=90)  # the lease lapses (30 s), then the sweep
    assert job.status == "succeeded", job.error
    assert job.attempts == 2
    assert [attempt for attempt, _, _ in runs(job.pk)] == [1, 2]
    assert runs(job.pk)[1][1] != pid
    assert any("attempt 1 was interrupted" in line for line in log_of("alpha", job))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM public.test_effects WHERE key = %s", [f"job-alpha-{job.pk}"]
        )
        assert cursor.fetchone()[0] == 1


def test_tenant_creation_end_to_end_through_the_worker(make_user, tenant_client):
    admin = make_user("public", "root", is_staff=True, is_superuser=True)
    response = tenant_client("public", admin).post(
        "/api/tenants/",
        {
            "name": "Delta Spots",
            "slug": "delta",
            "admin_username": "boss",
            "admin_password": "delta-pass-123",
        },
        content_type="application/json",
    )
    assert response.status_code == 202
    job = wait_job(response.json()["job"]["id"], schema="public", timeout=60)
    assert job.status == "succeeded", job.error
    assert job.result["domain"] == "delta.localhost"
    job_api = tenant_client("public", admin).get(f"/api/jobs/{job.pk}/").json()
    assert job_api["status"] == "succeeded" and job_api["progress"] == 100
    assert [line["stage"] for line in job_api["log"] if line["stage"]][:3] == [
        "schema",
        "schema",
        "admin",
    ] or "domain" in {line["stage"] for line in job_api["log"]}

    # Usable at once, without a restart: the new admin logs in on the new host.
    from django.test import Client

    client = Client(HTTP_HOST="delta.localhost")
    login = client.post("/login/", {"username": "boss", "password": "delta-pass-123"})
    assert login.status_code == 302
    home = client.get("/")
    assert home.status_code == 200 and b"Delta Spots" in home.content
    token = client.post("/api/auth/token/", {"username": "boss", "password": "delta-pass-123"})
    assert token.status_code == 200


def test_payment_kinds_run_on_their_own_cluster(tenants, clusters):
    with schema_context("alpha"):
        job = job_enqueue(kind=OnPaymentsQueue)
    job = wait_job(job.pk, schema="alpha")
    assert job.status == "succeeded"
    assert job.result["pid"] in clusters.payments.children()
    assert job.result["pid"] not in clusters.default.children()


def test_a_job_never_handed_over_is_delivered_by_the_sweep(tenants):
    """The process died between commit and hand-over: the minute sweep finds the job."""
    from datetime import timedelta

    from django.utils import timezone

    from radtik.jobs.periodic import redeliver_stuck_jobs

    with schema_context("beta"):
        job = job_enqueue(kind=Progress, foreground=True)  # recorded, never delivered
        Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert redeliver_stuck_jobs() == 1
    job = wait_job(job.pk, schema="beta")
    assert job.status == "succeeded" and job.delivered_attempt == 1
    assert any("never handed to the workers" in line for line in log_of("beta", job))
    assert redeliver_stuck_jobs() == 0


def test_a_redelivery_of_an_attempt_whose_lease_is_renewed_is_skipped(tenants):
    # The broker hands out an unacknowledged task again `retry` s after the cluster took it,
    # even when it only waited behind busy workers and now runs, alive, within its timeout
    # (under load: an accounting.disconnect kick then ran twice at once).
    with schema_context("alpha"):
        running = Job.objects.create(
            kind=SlowEffect.name,
            status="running",
            attempts=1,
            max_attempts=3,
            started_at=timezone.now(),
            next_attempt_at=timezone.now() + timedelta(seconds=30),  # renewed by its heartbeat
        )
    assert run_job("alpha", running.pk, 1) == "skipped"
    with schema_context("alpha"):
        job = Job.objects.get(pk=running.pk)
        assert (job.status, job.attempts) == ("running", 1)
    assert runs(job.pk) == []
    assert not any("interrupted" in line for line in log_of("alpha", job))
    with schema_context("alpha"):  # the made-up attempt is nobody's: not for the lease sweep
        Job.objects.filter(pk=job.pk).update(status="cancelled")
