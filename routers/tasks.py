from radtik.jobs.registry import job_kind
from routers.choices import IMPORT_KIND
from routers.imports import router_import_run
from routers.to_radius import MOVE_KIND, move_run

job_kind(IMPORT_KIND)(router_import_run)
job_kind(MOVE_KIND)(move_run)
