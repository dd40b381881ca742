"""Job kinds: a name bound to the function that does the work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from radtik.jobs.policies import POLICIES, JobPolicy, policy_for

if TYPE_CHECKING:
    from radtik.jobs.context import JobContext
    from radtik.jobs.models import Job

JobFunc = Callable[["JobContext"], dict[str, Any] | None]


@dataclass(frozen=True)
class JobKind:
    name: str
    func: JobFunc | None  # None for swept kinds: their sweep runs the attempts
    on_failed: Callable[[Job], None] | None = None
    # Kinds with many short periodic attempts (probing) are not one task per attempt: handing a
    # job over means calling sweep(schema_name), and the kind's sweep claims it when due
    # (radtik.jobs.sweep.sweep_register).
    sweep: Callable[[str], None] | None = None

    @property
    def policy(self) -> JobPolicy:
        return policy_for(self.name)


_KINDS: dict[str, JobKind] = {}


class UnknownJobKind(LookupError):
    pass


def job_kind(
    name: str,
    *,
    on_failed: Callable[[Job], None] | None = None,
    policy: JobPolicy | None = None,
) -> Callable[[JobFunc], JobFunc]:
    """Register `func` as the body of jobs of `name`. `policy` is for kinds defined outside the
    product (tests); product kinds keep theirs in policies.POLICIES."""

    def register(func: JobFunc) -> JobFunc:
        kind_register(JobKind(name=name, func=func, on_failed=on_failed), policy=policy)
        return func

    return register


def kind_register(kind: JobKind, *, policy: JobPolicy | None = None) -> None:
    if policy is not None:
        POLICIES[kind.name] = policy
    _KINDS[kind.name] = kind


def get_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownJobKind(f"Unknown job kind {name!r}") from None
