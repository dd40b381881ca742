"""Tenant-creation time and enqueue-to-start latency through a real qcluster.

Prints medians, each beside a baseline measured in the same run:
- tenant creation (the create call, then the job: a waiting spare schema renamed, or one made
  from the migrated template, + admin + domain) vs a bare CREATE SCHEMA / DROP SCHEMA round
  trip, one at a time (a spare waiting) and back to back, and the schema step alone (from
  the template) vs migrating a schema from nothing, as creation did before the template;
- Job enqueue-to-start (our runner) vs a bare django-q2 async_task of a no-op (goal <= 30 ms:
  the broker wakes on NOTIFY), and the CPU an idle cluster uses (its pusher sleeps on LISTEN).
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
IDLE_SECONDS = 10


def wait(model, pk, field, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = model.objects.filter(pk=pk).values(field, "status").first()
        if row and row[field] is not None:
            return row
        time.sleep(0.005)
    raise RuntimeError(f"{model.__name__} {pk} never set {field}")


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by `pid` and its descendants (Linux /proc)."""
    ticks, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


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

        cluster = stack.enter_context(scratch.cluster(RADTIK_WORKERS="2"))
        time.sleep(2)  # past the cluster's start-up
        cpu0, idle_start = tree_cpu(cluster.pid), time.monotonic()
        time.sleep(IDLE_SECONDS)
        idle_cpu = (tree_cpu(cluster.pid) - cpu0) / (time.monotonic() - idle_start)

        bare = []
        for i in range(ROUNDS):
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA bare_{i}; DROP SCHEMA bare_{i}")
            bare.append(time.perf_counter() - start)

        from django.core.management import call_command

        from tenants.schema_template import schema_create_from_template

        cloned, migrated = [], []
        for i in range(ROUNDS):
            start = time.perf_counter()
            schema_create_from_template(f"clone_{i}")
            cloned.append(time.perf_counter() - start)
        for i in range(2):  # seconds each: two are enough to see it
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA migrated_{i}")
            call_command(
                "migrate_schemas", schema_name=f"migrated_{i}", interactive=False, verbosity=0
            )
            connection.set_schema_to_public()
            migrated.append(time.perf_counter() - start)

        from tenants.schema_template import spare_schemas

        def create(slug: str) -> float:
            start = time.perf_counter()
            made = services.tenant_create(name=slug, slug=slug)
            wait(Job, made.job.pk, "finished_at")
            elapsed = time.perf_counter() - start
            assert Tenant.objects.get(pk=made.tenant.pk).status == "active"
            return elapsed

        def spare_waiting() -> None:
            deadline = time.monotonic() + 120
            while not spare_schemas():
                if time.monotonic() > deadline:
                    raise RuntimeError("no spare schema was made")
                time.sleep(0.01)

        creation, burst = [], []
        for i in range(ROUNDS):  # one at a time, as operators sign up: a spare is waiting
            spare_waiting()
            creation.append(create(f"bench{i}"))
        spare_waiting()
        for i in range(ROUNDS):  # back to back: after the first, the spare is still being made
            burst.append(create(f"burst{i}"))

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
            f"idle cluster (2 workers, nothing queued, {IDLE_SECONDS} s): "
            f"{idle_cpu * 1000:.1f} ms of CPU per second over all its processes"
        )
        print(
            f"tenant creation (call + job, a spare waiting, {ROUNDS} runs): median "
            f"{med(creation):.2f} s, max {max(creation):.2f} s (goal <= 0.3 s)"
        )
        print(
            f"  back to back ({ROUNDS} runs, the spare maybe still being made): median "
            f"{med(burst):.2f} s, "
            f"max {max(burst):.2f} s"
        )
        print(
            f"  baseline CREATE+DROP SCHEMA: median {med(bare) * 1000:.1f} ms; "
            f"ratio {med(creation) / med(bare):.0f}x"
        )
        print(
            f"  schema step: made from the template median {med(cloned) * 1000:.0f} ms, "
            f"migrated from nothing median {med(migrated) * 1000:.0f} ms; "
            f"ratio {med(cloned) / med(migrated):.2f}x"
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
