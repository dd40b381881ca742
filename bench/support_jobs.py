"""Trivial tasks and job kinds the benchmarks time (loaded by the bench's own cluster)."""

import time

from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind


def started_at() -> float:
    return time.time()


def noop(ctx):
    return None


Noop = JobKind(name="bench.noop", policy=JobPolicy(attempts=1, timeout=10), run=noop)
