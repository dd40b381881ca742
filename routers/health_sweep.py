"""Every deployed router of every active tenant, checked every Tenant.router_health_interval s.

A standing sweep (radtik.jobs.sweep.sweep_register): each tick claims the routers whose check is
due in each active tenant's schema (suspended tenants are never visited) and hands them to this
process's pool of check threads, then returns: a silent router holds one thread for its timeout,
never a worker or the next tick. One recorder thread per process writes the outcomes in bulk
every RECORD_EVERY s (one database connection, however many checks run). A claimed router is
held for the sweep's lease: if this process dies, the next tick after the lease checks it again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from multiprocessing import util as mp_util

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from radtik.jobs.sweep import Sweep, sweep_register
from routers.choices import HealthState, RouterStatus
from routers.health import Finding, Target, health_check
from routers.live import LIVE_FIELDS, live_record
from routers.models import Router, RouterHealth, RouterSample
from routers.services import router_down_alert_due, router_health_set
from tenants.models import Tenant

logger = logging.getLogger("radtik.routers")
HEALTH_SWEEP_NAME = "routers.health"
RECORD_EVERY = 0.2  # seconds between bulk writes of finished checks


@dataclass
class Claimed:
    health: RouterHealth
    due_at: datetime  # when this check was due: the next one is `interval` after it
    interval: int
    alert_after: timedelta


def health_claim(limit: int, lease: float) -> list[Claimed]:
    """In the current schema: up to `limit` routers whose check is due, held for `lease` s.
    A router being deployed waits: its deploy job is changing it."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            RouterHealth.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due_at__lte=now)
            .exclude(router__status=RouterStatus.PROVISIONING)
            .select_related("router")
            .order_by("due_at")[:limit]
        )
        if not rows:
            return []
        interval, alert_minutes = Tenant.objects.values_list(
            "router_health_interval", "router_down_minutes"
        ).get(schema_name=connection.schema_name)
        claimed = [
            Claimed(row, row.due_at, interval, timedelta(minutes=alert_minutes)) for row in rows
        ]
        for row in rows:
            row.due_at = now + timedelta(seconds=lease)
        RouterHealth.objects.bulk_update(rows, ["due_at"])
    return claimed


def health_watching() -> bool:
    return RouterHealth.objects.exists()


def health_sweep_run(claimed: dict[str, list[Claimed]]) -> None:
    """Start a tick's checks on this process's threads; their outcomes are recorded later."""
    pool, results = _machinery()
    live = settings.ROUTER_HEALTH_LIVE_DATA
    for schema, items in claimed.items():
        for item in items:
            target = Target(router=item.health.router, managed=item.health.managed, live=live)
            future = pool.submit(_check, target)
            future.add_done_callback(
                lambda f, schema=schema, item=item: results.put((schema, item, f.result()))
            )


def _check(target: Target) -> tuple[Finding, float]:
    try:
        return health_check(target), time.time()
    except Exception as exc:  # noqa: BLE001 - a bug in one check must not lose the others
        logger.exception("health check of router %s failed", target.router.pk)
        reason = f"radtik could not check this router: {exc}"
        return Finding(HealthState.DEGRADED, reason), time.time()


def health_record(outcomes: list[tuple[Claimed, Finding, float]]) -> None:
    """In the current schema: save what the checks found, schedule each next check, and make
    the transitions and alerts through their services."""
    now = timezone.now()
    samples = []
    for item, finding, finished in outcomes:
        health = item.health
        health.checked_at = now
        health.checks += 1
        if finding.answered:
            health.router.last_seen = now
        health.due_at = max(now, item.due_at + timedelta(seconds=item.interval))
        if finding.live is not None:
            samples.append(live_record(health, finding.live, at=finished))
        if health.state != finding.state:
            router_health_set(health=health, state=finding.state, reason=finding.reason)
        else:
            health.reason = finding.reason[:500]
        router_down_alert_due(health=health, alert_after=item.alert_after)
    RouterSample.objects.bulk_create(samples, ignore_conflicts=True)
    alive = [item.health.router for item, finding, _ in outcomes if finding.answered]
    Router.objects.bulk_update(alive, ["last_seen", "routeros_version", "board"])
    fields = ["checked_at", "checks", "due_at", "reason"]
    if settings.ROUTER_HEALTH_LIVE_DATA:
        fields += [*LIVE_FIELDS, "counters"]
    RouterHealth.objects.bulk_update([item.health for item, _, _ in outcomes], fields)


# -- per process: the check threads and the recorder ----------------------------------------------
_lock = threading.Lock()
_state: dict[str, object] = {}


def _machinery() -> tuple[ThreadPoolExecutor, queue.SimpleQueue]:
    """The pool and the results queue of this process (made again after a fork)."""
    import os

    with _lock:
        if _state.get("pid") != os.getpid():
            pool = ThreadPoolExecutor(
                max_workers=settings.ROUTER_HEALTH_CONCURRENCY, thread_name_prefix="health"
            )
            results: queue.SimpleQueue = queue.SimpleQueue()
            stop = threading.Event()
            recorder = threading.Thread(
                target=_record_forever, args=(results, stop), name="health-recorder", daemon=True
            )
            recorder.start()
            _state.update(pid=os.getpid(), pool=pool, results=results)
            # A worker process that ends (django-q recycles them) first finishes its checks
            # and records them: multiprocessing runs finalizers, not atexit, in its children.
            mp_util.Finalize(None, _drain, args=(pool, results, stop, recorder), exitpriority=10)
        return _state["pool"], _state["results"]  # type: ignore[return-value]


def _drain(pool, results, stop, recorder) -> None:
    pool.shutdown(wait=True)
    stop.set()
    recorder.join(30)


def _record_forever(results: queue.SimpleQueue, stop: threading.Event) -> None:
    while True:
        batch = []
        deadline = time.monotonic() + RECORD_EVERY
        while (left := deadline - time.monotonic()) > 0:
            try:
                batch.append(results.get(timeout=left))
            except queue.Empty:
                break
        if batch:
            _record_batch(batch)
        elif stop.is_set():
            return


def _record_batch(batch: list[tuple[str, Claimed, tuple[Finding, float]]]) -> None:
    by_schema: dict[str, list[tuple[Claimed, Finding, float]]] = {}
    for schema, item, (finding, finished) in batch:
        by_schema.setdefault(schema, []).append((item, finding, finished))
    close_old_connections()
    for schema, outcomes in by_schema.items():
        try:
            with schema_context(schema), transaction.atomic():
                health_record(outcomes)

        except Exception:  # noqa: BLE001 - the next check of these routers records again
            logger.exception("recording %d health checks in %s failed", len(outcomes), schema)


HEALTH_SWEEP = Sweep(
    run=health_sweep_run,
    tick_seconds=settings.ROUTER_HEALTH_TICK,
    limit=settings.ROUTER_HEALTH_BATCH,
    # connect, log in and ~12 reads, each bounded by the timeout; then recorded
    lease=14 * settings.ROUTER_HEALTH_TIMEOUT + 10,
    claim=health_claim,
    watching=health_watching,
)
sweep_register(HEALTH_SWEEP_NAME, HEALTH_SWEEP)
