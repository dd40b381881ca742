"""Swept kinds: one chain of ticks runs the due attempts of every schema's jobs of a kind at once.

Probing 1,000 routers every 10 s as 100 separate tasks a second outran one cluster (each attempt
a broker row, a claim and its events). Instead a tick claims every due attempt in every schema
with work and hands them to the kind's batch function, which runs them concurrently and records
the outcomes in bulk. The Jobs stay what users watch: same statuses, attempts and log lines.

State in Redis: the set of schemas with work, and the chain's lease, "<token>:<last tick>".
Each tick schedules the next before it works, so a slow attempt never delays the others; when no
schema has work left the chain ends and the next hand-over starts a new one. A hand-over that finds
the last tick stale starts a new chain under a new token, and a tick whose token is no longer the
lease's ends its chain, so there is one chain however they die or race. The minute sweep revives
chains for jobs nobody hands over, and attempts claimed by a dead tick count as interrupted.

Standing sweeps (sweep_register) run the same chain of ticks without Jobs, for work that never
ends (router health every 30 s): each tick asks every active tenant's schema for its due items
with the sweep's own `claim`, and the chain ends only while no schema has anything to watch.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django_tenants.utils import get_public_schema_name, schema_context

from radtik.jobs.broker import hand_over
from radtik.jobs.choices import JobStatus
from radtik.jobs.models import Job
from radtik.jobs.registry import get_kind, kinds
from radtik.jobs.services import job_claim_due
from radtik.logs import log_context
from radtik.redis_client import redis_client, redis_key
from tenants.selectors import tenant_schemas_active

logger = logging.getLogger("radtik.jobs")

TICK = "radtik.jobs.sweep.sweep_tick"
LEASE_SECONDS = 120  # only so a forgotten lease disappears; liveness is the last tick's time
STALE_TICKS = 5  # a chain whose last tick is older than this many tick intervals is taken for dead
ACTIVE = [JobStatus.QUEUED, JobStatus.RUNNING]


@dataclass(frozen=True)
class Sweep:
    """How a swept kind's attempts run: `JobKind(sweep=Sweep(...))` in the app's tasks.py."""

    # Runs one tick's claimed jobs, {schema: jobs}; called outside any schema. Each job carries
    # `due_at` (when its attempt was due) so the batch can keep the next one on schedule.
    run: Callable[[dict[str, list[Job]]], None]
    tick_seconds: float  # how often due attempts are looked for
    limit: int  # attempts claimed per schema and tick
    lease: float  # seconds an attempt may take before it counts as interrupted
    # Standing sweeps only (sweep_register): `claim(limit, lease)` returns the current schema's
    # due items, held for `lease` s; `watching()` says whether the schema has any item at all.
    claim: Callable[[int, float], list] | None = None
    watching: Callable[[], bool] | None = None

    @property
    def stale_after(self) -> float:
        """Seconds without a tick after which its chain is taken for dead."""
        return STALE_TICKS * self.tick_seconds + 1


_STANDING: dict[str, Sweep] = {}


def sweep_register(name: str, sweep: Sweep) -> None:
    """Declare a standing sweep (no Jobs): its chain visits every active tenant's schema."""
    if sweep.claim is None or sweep.watching is None:
        raise ValueError(f"Standing sweep {name!r} needs claim= and watching=")
    if _STANDING.get(name, sweep) is not sweep:
        raise ValueError(f"Standing sweep {name!r} is declared twice")
    _STANDING[name] = sweep


def _sweep(kind: str) -> Sweep:
    if kind in _STANDING:
        return _STANDING[kind]
    sweep = get_kind(kind).sweep
    if sweep is None:
        raise ValueError(f"Job kind {kind!r} is not swept")
    return sweep


def sweep_ensure(kind: str, schema_name: str = "") -> None:
    """`schema_name` has (or may have) due jobs of `kind`: make sure a chain of ticks runs.
    A standing sweep needs no schema: its ticks visit every active tenant."""
    if kind not in _STANDING:
        redis_client().sadd(_key(kind, "schemas"), schema_name)
    lease = redis_client().get(_key(kind, "lease"))
    if lease is None or time.time() - _lease(lease)[1] > _sweep(kind).stale_after:
        _start_chain(kind)


def sweeps_revive(schema_name: str) -> None:
    """Minute safety net, inside `schema_name`: hand over again any swept kind with live jobs
    (a chain that died leaves them queued or claimed forever otherwise)."""
    for kind in kinds():
        if kind.sweep is not None and _has_live_jobs(kind.name):
            sweep_ensure(kind.name, schema_name)
    if schema_name == get_public_schema_name():
        return  # what a standing sweep watches (routers, RADIUS servers) lives in tenants
    for name, sweep in _STANDING.items():
        if sweep.watching():  # type: ignore[misc]
            sweep_ensure(name)


def sweep_tick(kind: str, token: str) -> int:
    """One tick of chain `token`: claim due attempts in every schema with work, run them;
    returns how many ran."""
    sweep = _sweep(kind)
    client = redis_client()
    lease = client.get(_key(kind, "lease"))
    if lease is not None and _lease(lease)[0] != token:
        return 0  # a newer chain took over
    if kind in _STANDING:
        # No lease: a tick of this chain found nothing to watch and ended it.
        return 0 if lease is None else _standing_tick(kind, token, sweep)
    schemas = sorted(client.smembers(_key(kind, "schemas")))
    if not schemas:
        client.delete(_key(kind, "lease"))
        if client.scard(_key(kind, "schemas")):  # handed over between the two reads
            _start_chain(kind)
        return 0
    _hold_lease(kind, token)
    _schedule_tick(kind, token, delay=sweep.tick_seconds)
    claimed: dict[str, list[Job]] = {}
    for schema in schemas:
        try:
            with schema_context(schema), log_context(tenant=schema):
                jobs = job_claim_due(kind=kind, limit=sweep.limit, lease=sweep.lease)
                if not jobs:
                    _forget_if_idle(kind, schema)
        except DatabaseError:
            logger.exception("sweep %s: schema %s is unusable; dropping it", kind, schema)
            client.srem(_key(kind, "schemas"), schema)
            continue
        if jobs:
            claimed[schema] = jobs
    if claimed:
        sweep.run(claimed)
    return sum(len(jobs) for jobs in claimed.values())


def _standing_tick(name: str, token: str, sweep: Sweep) -> int:
    """A standing sweep's tick: due items of every active tenant (suspended ones are never
    visited); the chain ends when no schema watches anything (sweep_ensure starts it again)."""
    assert sweep.claim is not None and sweep.watching is not None
    _hold_lease(name, token)
    _schedule_tick(name, token, delay=sweep.tick_seconds)
    claimed: dict[str, list] = {}
    watching = False
    for schema in tenant_schemas_active():
        try:
            with schema_context(schema):
                items = sweep.claim(sweep.limit, sweep.lease)
                watching = watching or bool(items) or sweep.watching()
        except DatabaseError:
            logger.exception("sweep %s: schema %s is unusable; skipping it", name, schema)
            continue
        if items:
            claimed[schema] = items
    if claimed:
        sweep.run(claimed)
    if not watching:
        redis_client().delete(_key(name, "lease"))  # the next tick finds no lease and stops
    return sum(len(items) for items in claimed.values())


def _has_live_jobs(kind: str) -> bool:
    return Job.objects.filter(kind=kind, status__in=ACTIVE).exists()


def _forget_if_idle(kind: str, schema: str) -> None:
    if _has_live_jobs(kind):
        return
    redis_client().srem(_key(kind, "schemas"), schema)
    # A job enqueued between the check and the removal must not be left without a chain.
    if _has_live_jobs(kind):
        sweep_ensure(kind, schema)


def _start_chain(kind: str) -> None:
    token = uuid.uuid4().hex
    _hold_lease(kind, token)
    _schedule_tick(kind, token, delay=0)


def _hold_lease(kind: str, token: str) -> None:
    redis_client().set(_key(kind, "lease"), f"{token}:{time.time()}", ex=LEASE_SECONDS)


def _lease(value: str) -> tuple[str, float]:
    """(token, time of its last tick) from the lease's value."""
    token, last_tick = value.split(":")
    return token, float(last_tick)


def _schedule_tick(kind: str, token: str, *, delay: float) -> None:
    sweep = _sweep(kind)
    hand_over(
        TICK,
        kind,
        token,
        name=f"sweep:{kind}",
        timeout=int(sweep.lease * 2),
        delay=delay,
        save=False,
        queue=settings.SWEEP_QUEUE,
    )


def _key(kind: str, name: str) -> str:
    return redis_key("sweep", kind, name)
