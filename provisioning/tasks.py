from provisioning.deployment import router_deploy_run
from provisioning.probing import PROBE_SWEEP, router_probe_gave_up, router_probe_run
from provisioning.services import (
    DEPLOY_KIND,
    DISCOVER_KIND,
    PLAN_KIND,
    discovery_gave_up,
    discovery_run,
    plan_run,
)
from radtik.jobs.registry import job_kind
from radtik.jobs.sweep import sweep_register
from routers.choices import PROBE_KIND

job_kind(PROBE_KIND, on_failed=router_probe_gave_up, sweep=sweep_register(PROBE_SWEEP))(
    router_probe_run
)
job_kind(DEPLOY_KIND)(router_deploy_run)
job_kind(DISCOVER_KIND, on_failed=discovery_gave_up)(discovery_run)
job_kind(PLAN_KIND)(plan_run)
