"""Job kinds, each declared once, and the three background lanes that run them.

An app declares each of its kinds in its tasks.py as one `JobKind`: the name stored in Job.kind,
its policy, its queue, its schedule if periodic, what runs it and what happens when it fails.
Callers pass the declaration itself (`job_enqueue(kind=SyncVouchers)`), never its name. The
plumbing (periodic, sweep, runner) reads the registry and names no app's kinds.

The lanes, from the most common to the most specialised:
1. The Job runner (radtik.jobs.runner): one django-q2 task per attempt of one Job, retried with
   the kind's policy. Every kind with a `run` function. A kind that also declares `run_batch`
   has its first attempts run many at once by one task (radtik.jobs.batch): payments.
2. The sweep (radtik.jobs.sweep): kinds with many short periodic attempts (probing a thousand
   routers every 10 s) declare a `sweep` instead; one chain of ticks claims every due attempt in
   every schema and runs them as a batch. The Jobs look the same to users.
3. The callback inbox drain (billing.inbox): a callback request only stores its body; a drain
   task on the payments cluster matches the stored callbacks in arrival order and enqueues
   their Jobs (lane 1). Not a kind: no Job row per callback, by design (a burst of callbacks is
   answered at INSERT speed).
A minute schedule (radtik.jobs.periodic) is the safety net of all three: it hands over attempts
that never reached a cluster, revives dead sweep chains and runs the apps' minute checks (the
inbox's revive).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from radtik.jobs.policies import JobPolicy

if TYPE_CHECKING:
    from radtik.jobs.context import JobContext
    from radtik.jobs.models import Job
    from radtik.jobs.sweep import Sweep

JobFunc = Callable[["JobContext"], dict[str, Any] | None]


@dataclass(frozen=True, kw_only=True, eq=False)
class JobKind:
    """One kind of background work. Declaring it registers it (names are unique)."""

    name: str
    # Required, so no kind silently falls back to a default (one attempt) when it is renamed.
    policy: JobPolicy
    run: JobFunc | None = None  # lane 1: the body of one attempt
    sweep: Sweep | None = None  # lane 2: its sweep runs the attempts instead (no `run`)
    # Lane 1 batched (radtik.jobs.batch): first attempts run many at once, `run_batch(jobs)`
    # returning each Job's result or the exception its attempt failed with, in order; retries
    # run one at a time through `run`.
    run_batch: Callable[[list[Job]], list[Any]] | None = None
    batch_size: int = 200
    on_failed: Callable[[Job], None] | None = None  # after the last attempt failed, same commit
    # Which worker cluster runs it: "payments" has workers of its own, so a customer waiting at
    # the portal is never queued behind imports or voucher syncs. "" = the default cluster.
    queue: str = ""
    # Periodic: radtik.jobs.periodic enqueues one Job per active tenant every this many minutes.
    every_minutes: int | None = None
    # A periodic run skips a tenant whose previous Job of this kind is still queued or running.
    enqueue_once: bool = False
    # A periodic kind that also runs in the public schema, on the platform's own rows.
    platform_too: bool = False

    def __post_init__(self) -> None:
        kind_register(self)

    def __repr__(self) -> str:
        return f"JobKind({self.name!r})"


_KINDS: dict[str, JobKind] = {}


class UnknownJobKind(LookupError):
    pass


def kind_register(kind: JobKind) -> None:
    """Refuse a declaration the runner could not honour, with the line that fixes it."""
    if not isinstance(kind.policy, JobPolicy):
        raise ImproperlyConfigured(
            f"Job kind {kind.name!r} has no policy: declare it with policy=JobPolicy(...)"
        )
    if (kind.run is None) == (kind.sweep is None):
        raise ImproperlyConfigured(
            f"Job kind {kind.name!r} needs exactly one of run= (one task per attempt) "
            "or sweep= (attempts run by a sweep)"
        )
    if kind.run_batch is not None and kind.run is None:
        raise ImproperlyConfigured(
            f"Job kind {kind.name!r}: run_batch= needs run= too (retries run one at a time)"
        )
    if kind.every_minutes is not None and kind.every_minutes < 1:
        raise ImproperlyConfigured(
            f"Job kind {kind.name!r}: every_minutes must be at least 1 (django-q2's smallest "
            "schedule is a minute)"
        )
    if kind.name in _KINDS:
        raise ImproperlyConfigured(f"Job kind {kind.name!r} is declared twice")
    _KINDS[kind.name] = kind


def get_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownJobKind(f"Unknown job kind {name!r}") from None


def kinds() -> list[JobKind]:
    return list(_KINDS.values())
