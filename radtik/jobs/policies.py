"""How a job kind retries and how long one attempt may run (declared with the kind)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class JobPolicy:
    attempts: int = 1
    timeout: int = 60  # seconds one attempt may run before the cluster kills it
    backoff: float = 5.0  # delay before the 2nd attempt; doubles per attempt
    backoff_max: float = 600.0
    delays: tuple[float, ...] = ()  # explicit schedule, overrides the exponential one

    def delay_after(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        if self.delays:
            return self.delays[min(attempt, len(self.delays)) - 1]
        return min(self.backoff * 2 ** (attempt - 1), self.backoff_max)

    @property
    def effective_timeout(self) -> int:
        # The cluster's `retry` is derived from TASK_MAX_TIMEOUT; no kind may outlive it.
        return min(self.timeout, settings.TASK_MAX_TIMEOUT)
