"""A voucher batch end to end: created -> SyncVouchers job on a real qcluster -> agent -> every
voucher's sync status, on an agent with a SQLite store and one with a PostgreSQL store. Each
size has a new agent on an empty store of its own, and starts on a settled database (vacuumed
and checkpointed: bench/scratch.settle).

Prints, per store and batch size, the time from the creation call to the job's end with every
voucher synced; the ratio of the largest size to the smallest against linear (goal: 100,000
<= 10 s, 200,000 within 2.1x of 100,000), and how the batch page answered meanwhile (its
median and slowest GET during the sync, beside the same page when nothing runs). A size given
more than once runs again on a new store each time, and its best run counts (BENCH_SYNC_SIZES=
100000,200000,100000,200000 shows how much runs of one size differ here: by up to 2x).

    python bench/vouchers_sync.py        # BENCH_SYNC_SIZES=20000,40000 for a quicker run
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import scratch  # noqa: E402  (first: it points Django at the scratch database)

SIZES = [int(n) for n in os.environ.get("BENCH_SYNC_SIZES", "100000,200000").split(",")]
STORES = os.environ.get("BENCH_SYNC_STORES", "sqlite,postgresql").split(",")


class PageWatch:
    """GETs the batch page every `every` s from a thread until stopped; the latencies."""

    def __init__(self, client, url: str, every: float = 0.25):
        self.client, self.url, self.every = client, url, every
        self.times: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from django.db import connection

        while not self._stop.is_set():
            start = time.perf_counter()
            response = self.client.get(self.url)
            assert response.status_code == 200, response.status_code
            self.times.append(time.perf_counter() - start)
            self._stop.wait(self.every)
        connection.close()

    def __enter__(self) -> PageWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def agent_ready(stack: ExitStack, work: Path, store: str, label: str):
    """A new agent on an empty `store`, its RadiusServer and a profile, and a first small batch
    (the page's idle baseline). Runs in the tenant's schema."""
    from radius.services import radius_server_create
    from radius.testing.agent import RadiusAgent, create_database, drop_database
    from vouchers import services

    db = create_database() if store == "postgresql" else None
    if db:
        stack.callback(drop_database, db)
    agent = RadiusAgent(work / f"{store}-{label}", db)
    stack.callback(agent.stop)
    server = radius_server_create(
        name=f"{store} {label}", host="127.0.0.1", api_base_url=agent.url, token=agent.token
    ).server
    profile = services.profile_create(
        name=f"1h {store} {label}", time_limit=3600, data_limit=5 * 2**30, rate_limit="2M/5M",
        validity_seconds=86400,
    )  # fmt: skip
    first = services.batch_create(profile=profile, radius_server=server, count=10)
    return server, profile, first.batch


def sync_once(server, profile, count: int, client) -> tuple[float, list[float], str]:
    from radtik.jobs.models import Job
    from vouchers import services
    from vouchers.selectors import batch_counts

    start = time.perf_counter()
    made = services.batch_create(profile=profile, radius_server=server, count=count)
    created = time.perf_counter() - start
    with PageWatch(client, f"/vouchers/batches/{made.batch.pk}/") as watch:
        deadline = time.monotonic() + 900
        while (job := Job.objects.get(pk=made.job.pk)).finished_at is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"sync job still {job.status} after 900 s")
            time.sleep(0.02)
    elapsed = time.perf_counter() - start
    counts = batch_counts(made.batch)
    if job.status != "succeeded" or counts["synced"] != count:
        raise RuntimeError(f"sync ended {job.status}: {job.error} {counts}")
    phases = (
        f"created {created:.2f} s, job waited "
        f"{(job.started_at - job.created_at).total_seconds():.2f} s, ran "
        f"{(job.finished_at - job.started_at).total_seconds():.2f} s"
    )
    return elapsed, watch.times, phases


def main() -> None:
    stack = ExitStack()
    try:
        scratch.create()
        from django.test import Client
        from django_tenants.utils import schema_context

        from tenants.accounts.models import User

        scratch.add_tenant()
        stack.enter_context(scratch.cluster(RADTIK_WORKERS="2"))
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        client = Client(HTTP_HOST="bench.localhost")
        with schema_context("bench"):
            user = User.objects.create_user(username="ops", password="x" * 12, role="admin")
            client.force_login(user)
        print(
            f"voucher sync end to end (job -> agent -> statuses), {os.cpu_count()} CPUs", flush=True
        )
        for store in STORES:
            took: dict[int, float] = {}  # per size, its best run
            for run, count in enumerate(SIZES):
                # Each size on a store of its own, empty: the sizes compare on equal footing,
                # not the larger on top of the rows the smaller left (a deeper index).
                with schema_context("bench"):
                    server, profile, batch = agent_ready(stack, work, store, f"{count}-{run}")
                    idle = []
                    for _ in range(20):
                        started = time.perf_counter()
                        client.get(f"/vouchers/batches/{batch.pk}/")
                        idle.append(time.perf_counter() - started)
                    scratch.settle()  # the size before's writes are not charged to this one
                    elapsed, page, phases = sync_once(server, profile, count, client)
                took[count] = min(elapsed, took.get(count, elapsed))
                print(
                    f"{store:>10} {count:>9,}: {elapsed:6.2f} s = "
                    f"{count / elapsed:7,.0f} vouchers/s | batch page during the "
                    f"sync: median {statistics.median(page) * 1000:.0f} ms, slowest "
                    f"{max(page) * 1000:.0f} ms ({len(page)} GETs; idle: median "
                    f"{statistics.median(idle) * 1000:.0f} ms) | {phases}",
                    flush=True,
                )
            small, large = min(SIZES), max(SIZES)
            if large > small:
                ratio = took[large] / took[small]
                print(
                    f"{store:>10}: {large:,} took {ratio:.2f}x {small:,} "
                    f"(linear: {large / small:.2f}x; goal <= {large / small * 1.05:.2f}x)"
                )
            if 100_000 in took:
                print(f"{store:>10}: 100,000 in {took[100_000]:.2f} s (goal <= 10 s)")
    finally:
        stack.close()
        scratch.drop()


if __name__ == "__main__":
    main()
