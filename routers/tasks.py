from django.conf import settings

from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind
from routers.health_sweep import HEALTH_SWEEP  # noqa: F401  (registers the standing sweep)
from routers.imports import router_import_run
from routers.probing import PROBE_SWEEP, router_probe_gave_up
from routers.samples import samples_roll_up_run
from routers.services import router_delete_run
from routers.to_radius import move_run

# Imports: one attempt (the operator sees the error and retries), 10 minutes by default.
ImportFromRouter = JobKind(
    name="routers.import",
    policy=JobPolicy(attempts=1, timeout=int(settings.ROUTER_IMPORT_TIMEOUT)),
    run=router_import_run,
)
# Deleting a router: its RADIUS client is removed on the agent (which may be down: retried).
DeleteRouter = JobKind(
    name="routers.delete",
    policy=JobPolicy(attempts=5, timeout=300, backoff=10),
    run=router_delete_run,
)
MoveSecretsToRadius = JobKind(
    name="routers.secrets_to_radius",
    policy=JobPolicy(attempts=3, timeout=600, backoff=5),
    run=move_run,
)
# Swept: each attempt is one probe, run by the sweep; attempts and interval come from the router
# (router_probe_start), the policy's 60 attempts are the default.
ProbeRouter = JobKind(
    name="routers.probe",
    policy=JobPolicy(attempts=60, timeout=30),
    sweep=PROBE_SWEEP,
    on_failed=router_probe_gave_up,
)
# Every 5 minutes per tenant: the time series' rollups and retention (routers.samples).
RollUpSamples = JobKind(
    name="routers.samples_rollup",
    policy=JobPolicy(attempts=2, timeout=300, backoff=30),
    run=samples_roll_up_run,
    every_minutes=5,
    enqueue_once=True,
)
