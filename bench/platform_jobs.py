"""Tenant-creation time and enqueue-to-start latency through a real qcluster.

Prints medians, each beside a baseline measured in the same run:
- tenant creation (schema + migrations + admin + domain, through the job) vs a bare
  CREATE SCHEMA / DROP SCHEMA round trip;
- Job enqueue-to-start (our runner) vs a bare django-q2 async_task of a no-op.
Uses DATABASE_URL (default: the machine's PostgreSQL), in a scratch database it drops after.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import scratch  # noqa: E402  (first: it points Django at the scratch database)

os.environ["RADTIK_EXTRA_TASK_MODULES"] = "bench.support_jobs"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def wait(model, pk, field, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = model.objects.filter(pk=pk).values(field, "status").first()
        if row and row[field] is not None:
            return row
        time.sleep(0.005)
    raise RuntimeError(f"{model.__name__} {pk} never set {field}")


def main() -> None:
    stack = ExitStack()
    try:
        scratch.create()
        from django.db import connection
        from django_q.tasks import async_task, result
        from django_tenants.utils import schema_context

        from bench.support_jobs import Noop
        from radtik.jobs.models import Job
        from radtik.jobs.services import job_enqueue
        from tenants import services
        from tenants.models import Tenant

        stack.enter_context(scratch.cluster(RADTIK_WORKERS="2"))

        bare = []
        for i in range(ROUNDS):
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA bare_{i}; DROP SCHEMA bare_{i}")
            bare.append(time.perf_counter() - start)

        creation = []
        for i in range(ROUNDS):
            start = time.perf_counter()
            made = services.tenant_create(name=f"Bench {i}", slug=f"bench{i}")
            wait(Job, made.job.pk, "finished_at")
            creation.append(time.perf_counter() - start)
            assert Tenant.objects.get(pk=made.tenant.pk).status == "active"

        raw = []
        for _ in range(ROUNDS * 4):
            start_wall = time.time()
            task_id = async_task("bench.support_jobs.started_at")
            deadline = time.monotonic() + 30
            while (started := result(task_id)) is None and time.monotonic() < deadline:
                time.sleep(0.005)
            raw.append(started - start_wall)

        ours = []
        with schema_context("bench0"):
            for _ in range(ROUNDS * 4):
                job = job_enqueue(kind=Noop)
                row = Job.objects.filter(pk=job.pk)
                deadline = time.monotonic() + 30
                while not (started := row.values_list("started_at", flat=True)[0]):
                    if time.monotonic() > deadline:
                        raise RuntimeError("job never started")
                    time.sleep(0.005)
                ours.append((started - job.created_at).total_seconds())

        med = statistics.median
        print(
            f"tenant creation (job, {ROUNDS} runs): median {med(creation):.2f} s, "
            f"max {max(creation):.2f} s"
        )
        print(
            f"  baseline CREATE+DROP SCHEMA: median {med(bare) * 1000:.1f} ms; "
            f"ratio {med(creation) / med(bare):.0f}x"
        )
        print(
            f"enqueue-to-start, Job runner ({len(ours)} runs): median {med(ours) * 1000:.0f} ms, "
            f"p90 {sorted(ours)[int(len(ours) * 0.9)] * 1000:.0f} ms"
        )
        print(
            f"  baseline bare django-q2 task: median {med(raw) * 1000:.0f} ms; "
            f"ratio {med(ours) / med(raw):.2f}x"
        )
    finally:
        stack.close()
        scratch.drop()


if __name__ == "__main__":
    main()
