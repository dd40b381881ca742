from provisioning.deploy_job import router_deploy_run, router_radius_client_move
from provisioning.services import discovery_gave_up, discovery_run
from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind

# A failed deploy is rolled back and reported; the operator retries it.
DeployRouter = JobKind(
    name="provisioning.deploy",
    policy=JobPolicy(attempts=1, timeout=300),
    run=router_deploy_run,
)
DiscoverInterfaces = JobKind(
    name="provisioning.discover",
    policy=JobPolicy(attempts=3, timeout=60, backoff=5),
    run=discovery_run,
    on_failed=discovery_gave_up,
)
# A RADIUS server down: retried, the router's users wait on its new address meanwhile.
MoveRadiusClient = JobKind(
    name="provisioning.radius_client_move",
    policy=JobPolicy(attempts=5, timeout=60, delays=(5, 15, 60, 300)),
    run=router_radius_client_move,
)
