"""Job kinds that exist only for tests; the worker loads them via RADTIK_EXTRA_TASK_MODULES."""

from __future__ import annotations

import os
import time

from django.db import connection

from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind
from radtik.jobs.sweep import Sweep


def _record_run(ctx) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.test_job_runs (job_id, schema_name, attempt, pid) "
            "VALUES (%s, %s, %s, %s)",
            [ctx.job.pk, ctx.schema_name, ctx.attempt, os.getpid()],
        )


def flaky(ctx):
    _record_run(ctx)
    ctx.progress("working", 50, f"attempt {ctx.attempt}")
    if ctx.attempt < 3:
        raise RuntimeError(f"simulated failure on attempt {ctx.attempt}")
    return {"succeeded_on": ctx.attempt}


def always_fails(ctx):
    _record_run(ctx)
    if ctx.params.get("heal_marker"):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM public.test_effects WHERE key = %s", [ctx.params["heal_marker"]]
            )
            if cursor.fetchone():
                return {"healed": True}
    raise RuntimeError("the router said no (simulated)")


def backoff(ctx):
    """Fails every attempt: its delays are the policy's, 2, 4, then capped at 5 s."""
    raise RuntimeError(f"attempt {ctx.attempt} failed (simulated)")


def slow_effect(ctx):
    """Takes a while before applying an idempotent effect: a SIGKILL lands in the middle."""
    _record_run(ctx)
    ctx.progress("waiting", 30, "about to sleep")
    time.sleep(float(ctx.params.get("sleep", 3)))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.test_effects (key) VALUES (%s) ON CONFLICT (key) DO NOTHING",
            [f"job-{ctx.schema_name}-{ctx.job.pk}"],
        )
    ctx.progress("applied", 90, "effect applied")
    return {"applied": True}


def progress(ctx):
    for percent in (10, 20, 40, 70, 85, 100):
        ctx.progress(f"step-{percent}", percent, f"reached {percent}%")
        time.sleep(0.05)
    return {"steps": 6}


def on_payments_queue(ctx):
    return {"pid": os.getpid()}


def _swept_run(claimed: dict) -> None:
    """Each attempt fails until attempt `succeed_on` (param, default 3)."""
    from datetime import timedelta

    from django.utils import timezone
    from django_tenants.utils import schema_context

    from radtik.jobs.services import job_attempts_failed, job_succeed

    for schema, jobs in claimed.items():
        with schema_context(schema):
            early = [job for job in jobs if job.attempts < job.params.get("succeed_on", 3)]
            retry_at = timezone.now() + timedelta(seconds=0.2)
            job_attempts_failed([(job, "not yet", retry_at) for job in early])
            for job in jobs:
                if job not in early:
                    job_succeed(job, {"succeeded_on": job.attempts})


Backoff = JobKind(
    name="test.backoff",
    policy=JobPolicy(attempts=5, timeout=5, backoff=2, backoff_max=5),
    run=backoff,
)
Flaky = JobKind(name="test.flaky", policy=JobPolicy(attempts=3, timeout=5, backoff=1), run=flaky)
AlwaysFails = JobKind(
    name="test.always_fails", policy=JobPolicy(attempts=2, timeout=5, backoff=0.5), run=always_fails
)
SlowEffect = JobKind(
    name="test.slow_effect", policy=JobPolicy(attempts=3, timeout=8, backoff=0.5), run=slow_effect
)
Progress = JobKind(name="test.progress", policy=JobPolicy(attempts=1, timeout=8), run=progress)
OnPaymentsQueue = JobKind(
    name="test.payments_queue",
    policy=JobPolicy(attempts=1, timeout=5),
    run=on_payments_queue,
    queue="payments",
)
Swept = JobKind(
    name="test.swept",
    policy=JobPolicy(attempts=5, timeout=5),
    sweep=Sweep(run=_swept_run, tick_seconds=0.2, limit=100, lease=1),
)
