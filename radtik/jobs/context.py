"""What a job function sees: its Job, its parameters, and a way to report progress."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from radtik.jobs.choices import JobStatus, LogLevel
from radtik.jobs.models import Job, JobLogLine

logger = logging.getLogger("radtik.jobs")


class JobCancelled(Exception):
    """Raised inside a job function when someone cancelled the job."""


@dataclass
class JobContext:
    job: Job
    schema_name: str

    @property
    def params(self) -> dict[str, Any]:
        return self.job.params

    @property
    def attempt(self) -> int:
        return self.job.attempts

    def progress(self, stage: str, percent: int, message: str = "") -> None:
        """Move the job to `stage` at `percent`, log the line and push it to watchers."""
        from radtik.jobs.services import job_publish

        self.check_cancelled()
        self.job.stage = stage
        self.job.progress = max(0, min(100, percent))
        self.job.message = message[:500]
        Job.objects.filter(pk=self.job.pk).update(
            stage=stage, progress=self.job.progress, message=self.job.message
        )
        self.log(message or stage, stage=stage, publish=False)
        job_publish(self.job, "job.progress", line=message or stage)

    def log(
        self, message: str, *, level: str = LogLevel.INFO, stage: str = "", publish: bool = True
    ) -> None:
        JobLogLine.objects.create(
            job=self.job, level=level, stage=stage or self.job.stage, message=message
        )
        logger.log(
            logging.WARNING if level != LogLevel.INFO else logging.INFO,
            "[%s] job %s %s #%s: %s",
            self.schema_name,
            self.job.kind,
            self.job.target_repr or "-",
            self.job.pk,
            message,
        )
        if publish:
            from radtik.jobs.services import job_publish

            job_publish(self.job, "job.log", line=message, level=level)

    def check_cancelled(self) -> None:
        status = Job.objects.filter(pk=self.job.pk).values_list("status", flat=True).first()
        if status == JobStatus.CANCELLED:
            raise JobCancelled()
