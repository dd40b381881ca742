from provisioning.deploy_job import router_deploy_run
from provisioning.probing import PROBE_SWEEP, router_probe_gave_up
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

sweep_register(PROBE_SWEEP, on_failed=router_probe_gave_up)
job_kind(DEPLOY_KIND)(router_deploy_run)
job_kind(DISCOVER_KIND, on_failed=discovery_gave_up)(discovery_run)
job_kind(PLAN_KIND)(plan_run)
