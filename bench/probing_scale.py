"""Probing at scale: N simulated routers waiting for their bootstrap, probed every 10 s by one
cluster. Prints the achieved interval between probes of the same router against the configured
one (ratio 1.00 = on schedule), for 1,000 routers (BENCH_ROUTERS=100,1000 adds 100).

Routers whose API user does not exist yet fail each probe at login, the common case while an
operator is still pasting scripts; every probe is a real API login over TCP. One router in ten is
silent instead (TCP connects, nothing ever answers: a firewall or a hung router), so each of its
probes waits out the probe timeout (3 s); the others must stay on schedule regardless.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import scratch  # noqa: E402  (first: it points Django at the scratch database)

ROOT = scratch.ROOT
SIZES = [int(n) for n in os.environ.get("BENCH_ROUTERS", "1000").split(",")]
INTERVAL = int(os.environ.get("BENCH_INTERVAL", "10"))
DURATION = float(os.environ.get("BENCH_SECONDS", "45"))
WORKERS = os.environ.get("BENCH_WORKERS", "4")  # the product's default cluster size
SILENT_EVERY = 10  # every 10th router is silent


def silent_host(i: int) -> str:
    return f"127.1.{i // 250}.{i % 250 + 1}"


def main() -> None:
    stack = ExitStack()
    try:
        scratch.create()
        from django_tenants.utils import schema_context

        from radtik.jobs.models import Job, JobLogLine
        from routers.models import Router
        from routers.services import router_probe_start
        from routers.tasks import ProbeRouter

        scratch.add_tenant()
        # never accepts; on every loopback address: one router per address and port (each silent
        # router has an address of its own, 127.1.x.y)
        silent = socket.create_server(("0.0.0.0", 0), backlog=4096)
        silent_port = silent.getsockname()[1]
        env = dict(os.environ, RADTIK_WORKERS=WORKERS, ROUTER_PROBE_TIMEOUT="3")
        stack.enter_context(scratch.cluster(RADTIK_WORKERS=WORKERS, ROUTER_PROBE_TIMEOUT="3"))
        for size in SIZES:
            # The simulated routers run in a process of their own, like real ones would.
            base_port = 30000
            farm = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "simulate_routers",
                    "--count",
                    str(size),
                    "--base-port",
                    str(base_port),
                    "--user",
                    "admin",
                    "--password",
                    "admin",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            while "Ctrl-C" not in (farm.stdout.readline() or "Ctrl-C"):
                pass
            try:
                with schema_context("bench"):
                    Router.objects.all().delete()
                    Job.objects.all().delete()
                    routers = Router.objects.bulk_create(
                        Router(
                            name=f"r{size}-{i}",
                            host=silent_host(i) if i % SILENT_EVERY == 0 else "127.0.0.1",
                            api_port=silent_port if i % SILENT_EVERY == 0 else base_port + i,
                            # The farm's login: answering routers are probed to the end
                            # (login, then the resources read), not refused at the login.
                            api_username="admin",
                            api_password="admin",
                            probe_interval=INTERVAL,
                            probe_max_attempts=1000,
                        )
                        for i in range(size)
                    )
                    start = time.monotonic()
                    for router in routers:
                        router_probe_start(router=router)
                    time.sleep(DURATION)
                    Job.objects.filter(kind=ProbeRouter.name).update(status="cancelled")
                    elapsed = time.monotonic() - start
                    starts: dict[int, list[float]] = {}
                    for job_id, at in JobLogLine.objects.filter(
                        message__endswith="started", job__kind=ProbeRouter.name
                    ).values_list("job_id", "at"):
                        starts.setdefault(job_id, []).append(at.timestamp())
                    errors = {
                        silent: Counter(
                            re.sub(r"'[^']*'|:\d+", "…", r.last_error)[:70]
                            for r in Router.objects.all()
                            if (r.api_port == silent_port) == silent
                        ).most_common(2)
                        for silent in (False, True)
                    }
                    silent_jobs = set(
                        Job.objects.filter(
                            kind=ProbeRouter.name,
                            target_id__in=[str(r.pk) for r in routers if r.api_port == silent_port],
                        ).values_list("pk", flat=True)
                    )
                probes = sum(len(t) for t in starts.values())
                print(
                    f"{size:>5} routers, configured interval {INTERVAL} s, {WORKERS} workers, "
                    f"{elapsed:.0f} s: {probes} probes ({probes / elapsed:.1f}/s)"
                )
                for label, group in (
                    ("answering", {j: t for j, t in starts.items() if j not in silent_jobs}),
                    ("silent", {j: t for j, t in starts.items() if j in silent_jobs}),
                ):
                    _report(label, group)
                    print(f"        their last errors: {errors[label == 'silent']}")
                first_round = [min(t) for t in starts.values()]
                spread = max(first_round) - min(first_round)
                print(
                    f"      first probe of the last router {spread:.1f} s after the first; "
                    f"routers probed at least once {len(starts)}/{size}"
                )
            finally:
                farm.kill()
                farm.wait(30)
    finally:
        stack.close()
        scratch.drop()


def _report(label: str, starts: dict[int, list[float]]) -> None:
    gaps = [
        b - a
        for times in starts.values()
        for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
    ]
    if not gaps:
        print(f"      {label}: no router probed twice")
        return
    achieved = statistics.median(gaps)
    p95 = sorted(gaps)[int(len(gaps) * 0.95)]
    print(
        f"      {label} routers ({len(starts)}): achieved interval median {achieved:.2f} s, "
        f"p95 {p95:.2f} s; ratio to configured {achieved / INTERVAL:.2f}x"
    )


if __name__ == "__main__":
    main()
