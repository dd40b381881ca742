"""Leases of running attempts: a worker killed mid-attempt is noticed within seconds, not after
the broker's redelivery (TASK_MAX_TIMEOUT + margin: 630 s in production).

A running Job's `next_attempt_at` is its lease: when its attempt counts as lost. The batch runner
and the sweep already claim with it (radtik.jobs.batch, job_claim_due); the runner now does too.
While a runner attempt's function runs, a heartbeat thread in the worker renews the lease every
third of LEASE_SECONDS. A SIGKILLed worker renews nothing, so its lease lapses; the lease sweep
(a standing sweep, declared in radtik.jobs.tasks, ticking while any runner attempt runs) records
the attempt as interrupted and hands the next attempt to the cluster at once. The broker's own
redelivery of the dead task stays the net under this one: it finds its attempt superseded and
is skipped (radtik.jobs.runner._claim).

Batched kinds are left to their batch runner, which reclaims lapsed leases itself (the minute
check wakes it); swept kinds never reach the runner.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import schema_context

from radtik.jobs.choices import JobStatus
from radtik.jobs.models import Job

logger = logging.getLogger("radtik.jobs")

LEASE_SWEEP = "jobs.leases"  # the standing sweep that reruns lapsed attempts (radtik.jobs.tasks)


def lease_seconds() -> float:
    return float(settings.JOB_LEASE_SECONDS)


def lease_end(seconds: float | None = None) -> datetime:
    """When a lease taken now lapses."""
    return timezone.now() + timedelta(seconds=lease_seconds() if seconds is None else seconds)


def lease_lapsed() -> Q:
    """Running Jobs whose attempt's lease ran out: their worker, runner or tick is gone."""
    return Q(status=JobStatus.RUNNING, next_attempt_at__lte=timezone.now())


def lease_holds(job: Job) -> bool:
    """Whether `job`'s running attempt still holds its lease (its heartbeat renews it)."""
    return job.next_attempt_at is not None and job.next_attempt_at > timezone.now()


def worker_name() -> str:
    """host:pid of this process, as the job log names the worker of an attempt."""
    return f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def heartbeat(job: Job, schema_name: str) -> Iterator[None]:
    """Renew `job`'s lease while the body of the `with` runs (its attempt's function)."""
    beat = _Heartbeat(job.pk, job.attempts, schema_name)
    beat.start()
    try:
        yield
    finally:
        beat.stop()


class _Heartbeat(threading.Thread):
    def __init__(self, job_id: int, attempt: int, schema_name: str):
        super().__init__(name=f"heartbeat-{schema_name}-{job_id}", daemon=True)
        self.job_id, self.attempt, self.schema_name = job_id, attempt, schema_name
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=5)

    def run(self) -> None:
        try:
            while not self._stopped.wait(lease_seconds() / 3):
                if not self._renew():
                    return  # finished, cancelled or superseded: nothing of ours to hold
                lease_sweep_ensure()  # a chain that died since the attempt started
        finally:
            connections.close_all()  # this thread's own connection

    def _renew(self) -> bool:
        try:
            with schema_context(self.schema_name):
                return bool(
                    Job.objects.filter(
                        pk=self.job_id, status=JobStatus.RUNNING, attempts=self.attempt
                    ).update(next_attempt_at=lease_end())
                )
        except Exception:  # a database blip: the next beat tries again before the lease ends
            logger.warning("job #%s: could not renew its lease", self.job_id, exc_info=True)
            return True


def lease_sweep_ensure() -> None:
    """Make sure the lease sweep's chain runs (an attempt started, or still runs). Never raises:
    the minute check revives the chain while attempts run."""
    from radtik.jobs.sweep import sweep_ensure  # the sweep imports the services, which this

    try:
        sweep_ensure(LEASE_SWEEP)
    except Exception:
        logger.warning("could not ensure the lease sweep", exc_info=True)
