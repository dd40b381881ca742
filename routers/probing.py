"""Stage 2 of onboarding: probe a new router every `probe_interval` s until it answers or
attempts run out.

One Job per probing session (what the router page shows); its attempts are run by a sweep
(radtik.jobs.sweep): each tick probes every due router of every tenant at once, one thread per
router, so a slow or silent router only ever holds its own thread, and the outcomes are written
in bulk. A failed attempt is told to the job's own watchers; reaching the router is told to all.
What follows a router's first answer (provisioning's interface discovery) listens with
router_online_listener_add: routers never import provisioning.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from radtik.jobs.models import Job
from radtik.jobs.services import job_attempts_failed, job_fail, job_succeed
from radtik.jobs.sweep import Sweep
from routers.choices import REACHED, RouterStatus
from routers.connection import router_session
from routers.models import Router
from routers.routeros.errors import RouterError
from routers.routeros.types import Resource, Routerboard
from routers.services import router_status_set

RECORD_EVERY = 0.2  # seconds between bulk writes of a tick's outcomes

_online_listeners: list[Callable[..., object]] = []


def router_online_listener_add(listener: Callable[..., object]) -> None:
    """Call `listener(router=router)` when probing reaches a router, in the transaction that
    marks it online (so what it enqueues appears together with the status)."""
    if listener not in _online_listeners:
        _online_listeners.append(listener)


@dataclass(frozen=True)
class ProbeResult:
    resource: Resource | None = None
    board: Routerboard | None = None
    error: str = ""


def router_probe(router: Router) -> ProbeResult:
    """One probe: log in and read the facts. No ORM here: sweeps call it from threads."""
    try:
        with router_session(router, timeout=settings.ROUTER_PROBE_TIMEOUT) as api:
            return ProbeResult(resource=api.resource(), board=api.routerboard())
    except RouterError as exc:
        return ProbeResult(error=str(exc)[:500])


def router_probe_sweep(claimed: dict[str, list[Job]]) -> None:
    """A sweep tick's due probes, {schema: claimed jobs}: all probed at once, each outcome
    written within RECORD_EVERY s of its probe ending."""
    work: list[tuple[str, Job, Router]] = []
    for schema, jobs in claimed.items():
        with schema_context(schema):
            work.extend((schema, job, router) for job, router in _routers_to_probe(jobs))
    if not work:
        return
    threads = min(len(work), settings.ROUTER_PROBE_CONCURRENCY)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="probe") as pool:
        futures = {
            pool.submit(router_probe, router): (schema, job, router) for schema, job, router in work
        }
        # Outcomes are written as they come, in small bulks, not when the slowest is done.
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=RECORD_EVERY)
            _record_by_schema([(*futures[future], future.result()) for future in done])


def _record_by_schema(done: list[tuple[str, Job, Router, ProbeResult]]) -> None:
    by_schema: dict[str, list[tuple[Job, Router, ProbeResult]]] = {}
    for schema, job, router, result in done:
        by_schema.setdefault(schema, []).append((job, router, result))
    for schema, outcomes in by_schema.items():
        with schema_context(schema):
            _record(outcomes)


def router_probe_gave_up(job: Job) -> None:
    router = Router.objects.filter(pk=job.params.get("router_id")).first()
    if router is None or router.status in REACHED:
        return
    router_status_set(router=router, status=RouterStatus.CONNECTION_FAILED, error=job.error)


def _routers_to_probe(jobs: list[Job]) -> list[tuple[Job, Router]]:
    """Pair jobs with their routers; jobs whose router is gone or already reached end here."""
    routers = Router.objects.in_bulk([job.params.get("router_id") for job in jobs])
    pairs = []
    for job in jobs:
        router = routers.get(job.params.get("router_id"))
        if router is None:
            with transaction.atomic():
                job_fail(job, "The router was deleted.")
        elif router.status in REACHED:
            job_succeed(job, {"skipped": f"router is already {router.status}"})
        else:
            pairs.append((job, router))
    return pairs


def _record(outcomes: list[tuple[Job, Router, ProbeResult]]) -> None:
    failed = [(job, router, result) for job, router, result in outcomes if result.error]
    for _, router, result in failed:
        router.last_error = result.error
    Router.objects.bulk_update([router for _, router, _ in failed], ["last_error"])
    now = timezone.now()
    job_attempts_failed(
        [
            (job, result.error, max(now, job.due_at + timedelta(seconds=router.probe_interval)))
            for job, router, result in failed
        ]
    )
    for job, router, result in outcomes:
        if not result.error:
            if router.use_tls and router.tls_certificate:
                # Trust on first use: the certificate of the first login is the only one now.
                Router.objects.filter(pk=router.pk, tls_certificate="").update(
                    tls_certificate=router.tls_certificate
                )
            job_succeed(job, _router_online(router, result))


def _router_online(router: Router, result: ProbeResult) -> dict[str, Any]:
    assert result.resource is not None and result.board is not None
    facts = {
        "model": result.board.model or result.resource.board_name,
        "board": result.resource.board_name,
        "routeros_version": result.resource.version,
        "last_seen": timezone.now(),
    }
    with transaction.atomic():
        router_status_set(router=router, status=RouterStatus.ONLINE, error="", facts=facts)
        for listener in _online_listeners:
            listener(router=router)
    return {"status": router.status, "model": router.model, "version": router.routeros_version}


PROBE_SWEEP = Sweep(
    run=router_probe_sweep,
    tick_seconds=settings.ROUTER_PROBE_TICK,
    limit=settings.ROUTER_PROBE_BATCH,
    # connect, log in and two reads, each bounded by the probe timeout
    lease=4 * settings.ROUTER_PROBE_TIMEOUT + 10,
)
