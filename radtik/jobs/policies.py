"""Retry and timeout policy for every job kind, in one place."""

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
    # Which worker cluster runs it: "payments" has workers of its own, so a customer waiting at
    # the portal is never queued behind imports or voucher syncs.
    queue: str = ""

    def delay_after(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        if self.delays:
            return self.delays[min(attempt, len(self.delays)) - 1]
        return min(self.backoff * 2 ** (attempt - 1), self.backoff_max)

    @property
    def effective_timeout(self) -> int:
        # The cluster's `retry` is derived from TASK_MAX_TIMEOUT; no kind may outlive it.
        return min(self.timeout, settings.TASK_MAX_TIMEOUT)


DEFAULT_POLICY = JobPolicy()

POLICIES: dict[str, JobPolicy] = {
    "tenants.create": JobPolicy(attempts=3, timeout=300, backoff=5),
    # Transport errors to the RADIUS agent: 3 attempts, 5 s then 10 s apart.
    "vouchers.sync": JobPolicy(attempts=3, timeout=600, backoff=5),
    "vouchers.remove": JobPolicy(attempts=5, timeout=120, backoff=5),
    "vouchers.expire": JobPolicy(attempts=1, timeout=300),
    "vouchers.reconcile": JobPolicy(attempts=3, timeout=600, backoff=10),
    # Imports: one attempt (the operator sees the error and retries), 10 minutes by default.
    # A swept kind: attempts and interval come from the router, run by radtik.jobs.sweep.
    "routers.probe": JobPolicy(attempts=60, timeout=30),
    # A failed deploy is rolled back and reported; the operator retries it.
    "provisioning.deploy": JobPolicy(attempts=1, timeout=300),
    "provisioning.discover": JobPolicy(attempts=3, timeout=60, backoff=5),
    "provisioning.plan": JobPolicy(attempts=2, timeout=60, backoff=5),
    "routers.secrets_to_radius": JobPolicy(attempts=3, timeout=600, backoff=5),
    "routers.import": JobPolicy(attempts=1, timeout=int(settings.ROUTER_IMPORT_TIMEOUT)),
    # Payments: ProcessPayment retries quickly (the customer is waiting at the portal).
    "billing.process_payment": JobPolicy(
        attempts=5, timeout=60, delays=(2, 5, 15, 30, 60), queue="payments"
    ),
    "billing.provision_router_user": JobPolicy(attempts=5, timeout=60, delays=(5, 15, 30, 60, 120)),
    "billing.reconcile": JobPolicy(attempts=2, timeout=300, backoff=30),
    "billing.expire": JobPolicy(attempts=3, timeout=300, backoff=30),
}


def policy_for(kind: str) -> JobPolicy:
    return POLICIES.get(kind, DEFAULT_POLICY)
