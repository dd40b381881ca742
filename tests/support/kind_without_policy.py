"""A task module whose kind forgot its policy: startup must refuse it (test_job_kinds)."""

from radtik.jobs.registry import JobKind


def run(ctx):
    return None


NoPolicy = JobKind(name="test.no_policy", policy=None, run=run)
