"""What a job function sees: its Job, its parameters, and a way to report progress."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from radtik.jobs.choices import LogLevel
from radtik.jobs.models import Job
from radtik.jobs.selectors import job_is_cancelled
from radtik.jobs.services import job_checkpoint_save, job_log_add, job_progress

logger = logging.getLogger("radtik.jobs")


class JobCancelled(Exception):
    """Raised inside a job function when someone cancelled the job."""


class JobGiveUp(Exception):
    """Raised by a job function when another attempt cannot help: the job fails now (its
    on_failed runs) instead of retrying."""


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

    @property
    def checkpoint(self) -> dict[str, Any]:
        """What an earlier attempt of this job saved with save_checkpoint ({} if none)."""
        return (self.job.result or {}).get("checkpoint", {})

    def save_checkpoint(self, **values: Any) -> None:
        """Record how far this attempt got: the next attempt reads it as `checkpoint`."""
        job_checkpoint_save(self.job, values)

    def progress(self, stage: str, percent: int, message: str = "") -> None:
        """Move the job to `stage` at `percent`, log the line and push it to watchers."""
        self.check_cancelled()
        self._log_to_process(message or stage, LogLevel.INFO)
        job_progress(self.job, stage=stage, percent=percent, message=message)

    def log(self, message: str, *, level: str = LogLevel.INFO, stage: str = "") -> None:
        self._log_to_process(message, level)
        job_log_add(self.job, message, level=level, stage=stage)

    def check_cancelled(self) -> None:
        if job_is_cancelled(job_id=self.job.pk):
            raise JobCancelled()

    def _log_to_process(self, message: str, level: str) -> None:
        logger.log(
            logging.WARNING if level != LogLevel.INFO else logging.INFO,
            "[%s] job %s %s #%s: %s",
            self.schema_name,
            self.job.kind,
            self.job.target_repr or "-",
            self.job.pk,
            message,
        )
