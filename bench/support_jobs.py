"""Trivial tasks and job kinds the benchmarks time (loaded by the bench's own cluster)."""

import time

from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import job_kind


def started_at() -> float:
    return time.time()


@job_kind("bench.noop", policy=JobPolicy(attempts=1, timeout=10))
def noop(ctx):
    return None
