"""Accounting's background work: the ingest sweep (standing, no Jobs), ending sessions at the
router (accounting.disconnect), and closed sessions kept the tenant's session_retention_days
(radtik.jobs.retention prunes older ones)."""

from accounting.disconnect import sessions_disconnect_run
from accounting.ingest_sweep import INGEST_SWEEP  # noqa: F401  (registers the standing sweep)
from accounting.models import Session
from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind
from radtik.jobs.retention import RetentionRule, retention_register

# A router that is rebooting or unreachable for a moment: 4 attempts, 10 s, 20 s, 40 s apart.
# An attempt per session takes at most the Disconnect-Request's wait, the Stop's, and the API's.
DisconnectSessions = JobKind(
    name="accounting.disconnect",
    policy=JobPolicy(attempts=4, timeout=300, backoff=10),
    run=sessions_disconnect_run,
)

# Open sessions stay whatever their age: the agent closes stale ones, and ingest then closes them.
retention_register(
    RetentionRule(
        name="sessions",
        days_setting="session_retention_days",
        rows=lambda cutoff: Session.objects.filter(is_open=False, stopped_at__lt=cutoff),
    )
)
