from provisioning.probing import router_probe_gave_up, router_probe_run
from radtik.jobs.registry import job_kind
from routers.choices import PROBE_KIND

job_kind(PROBE_KIND, on_failed=router_probe_gave_up)(router_probe_run)
