"""Router health at scale: 1,000 deployed routers (one in ten silent) checked every 30 s by one
worker host (one qcluster, its default 4 workers), with live data and, as the baseline, the
same run with live data off (reachability, login and drift only). Prints the achieved interval
between two checks of the same router against the configured one, how many stayed within
+-2 s, and the cluster's CPU; then the size of the time series for 1,000 routers x 7 days.

Every check is a real API session to a simulated router (a process of its own): login, the
resource, interface counters, hotspot and PPP counts, and the two managed items it compares.
Silent routers accept TCP and never answer, so each of their checks waits out the timeout (5 s).
Deployments are spread over the interval, as real ones are.
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import scratch  # noqa: E402  (first: it points Django at the scratch database)

ROOT = scratch.ROOT
ROUTERS = int(os.environ.get("BENCH_ROUTERS", "1000"))
INTERVAL = int(os.environ.get("BENCH_INTERVAL", "30"))
DURATION = float(os.environ.get("BENCH_SECONDS", "50"))  # two checks of two in three routers
WORKERS = os.environ.get("BENCH_WORKERS", "4")
SILENT_EVERY = 10


def silent_host(i: int) -> str:
    return f"127.1.{i // 250}.{i % 250 + 1}"


BASE_PORT = 31000
MANAGED = [  # what the simulator holds from the start, standing in for a deployment
    ("/ip/pool", {"name": "dhcp_pool0"}, {"ranges": "192.168.88.10-192.168.88.254"}),
    ("/ip/hotspot/profile", {"name": "default"}, {"login-by": "cookie,http-chap"}),
]


def main() -> None:
    stack = ExitStack()
    try:
        scratch.create()
        scratch.add_tenant()
        # never accepts; on every loopback address: one router per address and port (each silent
        # router has an address of its own, 127.1.x.y)
        silent = socket.create_server(("0.0.0.0", 0), backlog=4096)
        farm = subprocess.Popen(
            [sys.executable, "manage.py", "simulate_routers", "--count", str(ROUTERS)]
            + ["--base-port", str(BASE_PORT), "--user", "admin", "--password", "admin"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        stack.callback(farm.kill)
        while "Ctrl-C" not in (farm.stdout.readline() or "Ctrl-C"):
            pass
        _routers(silent.getsockname()[1])
        results = {}
        for label, live in (("health data off", "0"), ("with live data", "1")):
            results[label] = _run(label, live)
        off, on = results["health data off"], results["with live data"]
        print(
            f"  ratio with/without live data: interval {on[0] / off[0]:.3f}x, "
            f"cluster CPU {on[1] / max(off[1], 1e-9):.2f}x"
        )
        _series_size()
    finally:
        stack.close()
        scratch.drop()


def _routers(silent_port: int) -> None:
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from routers.managed import ManagedItem
    from routers.models import Router, RouterHealth

    specs = [ManagedItem(path, key, {**key, **fields}).spec() for path, key, fields in MANAGED]
    with schema_context("bench"):
        routers = Router.objects.bulk_create(
            Router(
                name=f"r-{i}",
                host=silent_host(i) if i % SILENT_EVERY == 0 else "127.0.0.1",
                api_port=silent_port if i % SILENT_EVERY == 0 else BASE_PORT + i,
                api_username="admin",
                api_password="admin",
                status="active",
            )
            for i in range(ROUTERS)
        )
        now = timezone.now()
        RouterHealth.objects.bulk_create(
            RouterHealth(
                router=router,
                managed=specs,
                due_at=now + timedelta(seconds=random.uniform(0, INTERVAL)),
            )
            for router in routers
        )


def _run(label: str, live: str) -> tuple[float, float]:
    """One run on a fresh cluster; returns (median interval, cluster CPU seconds per minute)."""
    import psutil
    from django.db import connection
    from django.db.models import Count
    from django_tenants.utils import schema_context

    from radtik.jobs.sweep import sweep_ensure
    from routers.health_sweep import HEALTH_SWEEP_NAME
    from routers.models import RouterHealth, RouterSample
    from tenants.models import Tenant

    Tenant.objects.filter(schema_name="bench").update(router_health_interval=INTERVAL)
    with schema_context("bench"):
        RouterHealth.objects.update(checks=0)
        RouterSample.objects.all().delete()
    env = {"RADTIK_WORKERS": WORKERS, "ROUTER_HEALTH_LIVE_DATA": live}
    with scratch.cluster(**env) as cluster:
        sweep_ensure(HEALTH_SWEEP_NAME)
        procs = [psutil.Process(cluster.pid), *psutil.Process(cluster.pid).children(True)]
        cpu_start = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
        seen: dict[int, list[float]] = {}
        started = time.monotonic()
        while time.monotonic() - started < DURATION:
            with schema_context("bench"):
                for router_id, checked_at in RouterHealth.objects.filter(
                    checked_at__isnull=False
                ).values_list("router_id", "checked_at"):
                    times = seen.setdefault(router_id, [])
                    if not times or times[-1] != checked_at.timestamp():
                        times.append(checked_at.timestamp())
            connection.close()
            time.sleep(1)
        procs = [psutil.Process(cluster.pid), *psutil.Process(cluster.pid).children(True)]
        cpu = sum(p.cpu_times().user + p.cpu_times().system for p in procs) - cpu_start
        with schema_context("bench"):
            silent_ids = set(
                RouterHealth.objects.filter(router__api_port__lt=BASE_PORT).values_list(
                    "router_id", flat=True
                )
            )
            states = dict(RouterHealth.objects.values_list("state").annotate(n=Count("pk")))
            samples = RouterSample.objects.count()
    elapsed = time.monotonic() - started
    checks = sum(len(t) for t in seen.values())
    print(
        f"{ROUTERS} routers every {INTERVAL} s, {label}, {WORKERS} workers, {elapsed:.0f} s: "
        f"{checks} checks ({checks / elapsed:.1f}/s), states {states}, {samples} samples, "
        f"cluster CPU {cpu / elapsed * 60:.1f} s per minute"
    )
    medians = []
    for group, ids in (("answering", set(seen) - silent_ids), ("silent", silent_ids)):
        gaps = [b - a for i in ids for a, b in _pairs(seen.get(i, []))]
        if not gaps:
            print(f"    {group}: no router checked twice")
            continue
        within = sum(abs(g - INTERVAL) <= 2 for g in gaps) / len(gaps)
        median = statistics.median(gaps)
        medians.append(median)
        print(
            f"    {group} ({len(ids)}): interval median {median:.2f} s, min {min(gaps):.2f}, "
            f"max {max(gaps):.2f}; {within:.1%} within +-2 s; ratio to configured "
            f"{median / INTERVAL:.3f}x"
        )
    return statistics.median(medians) if medians else float("nan"), cpu / elapsed * 60


def _pairs(times: list[float]) -> list[tuple[float, float]]:
    return list(zip(times, times[1:], strict=False))


def _series_size() -> None:
    """The series as retention keeps it for 1,000 routers after 7 days: made in SQL, measured."""
    from django.conf import settings
    from django.db import connection
    from django_tenants.utils import schema_context

    from routers.choices import SampleResolution
    from routers.samples import retention

    with schema_context("bench"):
        kept = retention()
    per_router = {
        resolution: int(min(keep, timedelta(days=7)).total_seconds() // (resolution or INTERVAL))
        for resolution, keep in kept.items()
    }
    with schema_context("bench"), connection.cursor() as cursor:
        cursor.execute("TRUNCATE routers_routersample")
        for resolution, count in per_router.items():
            step = resolution or INTERVAL
            cursor.execute(
                """INSERT INTO routers_routersample (router_id, resolution, at, cpu_load,
                   memory_pct, hotspot_active, ppp_active, rx_bps, tx_bps)
                   SELECT r.id, %s, now() - make_interval(secs => n * %s), (n %% 100), 40,
                          n %% 200, n %% 50, 1000000 + n, 300000 + n
                   FROM routers_router r, generate_series(1, %s) AS n""",
                [resolution, step, count],
            )
        cursor.execute(
            "SELECT (SELECT count(*) FROM routers_routersample), "
            "pg_total_relation_size('routers_routersample')"
        )
        rows, size = cursor.fetchone()
    print(
        f"time series for {ROUTERS} routers x 7 days (raw {settings.ROUTER_SAMPLES_RAW_HOURS} h, "
        f"5-minute {settings.ROUTER_SAMPLES_5MIN_DAYS} days, hourly "
        f"{kept[SampleResolution.HOUR].days} days): {rows:,} rows, {size / 2**20:.0f} MB "
        f"({size / rows:.0f} bytes per row with its indexes)"
    )


if __name__ == "__main__":
    main()
