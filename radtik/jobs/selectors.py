from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.db.models import QuerySet

from radtik.jobs.choices import JobStatus
from radtik.jobs.filtersets import JobFilter
from radtik.jobs.models import Job
from radtik.jobs.registry import JobKind
from radtik.lists import filtered


def job_list(*, filters: Mapping | None = None) -> QuerySet[Job]:
    return filtered(JobFilter, Job.objects.select_related("requested_by"), filters)


def job_is_cancelled(*, job_id: int) -> bool:
    """Read afresh: someone may have cancelled the job while its attempt runs."""
    return Job.objects.filter(pk=job_id, status=JobStatus.CANCELLED).exists()


def job_live(*, kind: JobKind, target: models.Model | None = None) -> Job | None:
    """The queued or running job of `kind` for `target` (None: the kind's untargeted jobs)."""
    return Job.objects.filter(
        kind=kind.name,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
    ).first()
