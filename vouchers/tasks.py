from radtik.jobs.registry import job_kind
from vouchers.choices import EXPIRE_KIND, SYNC_KIND
from vouchers.services import RECONCILE_KIND, REMOVE_KIND
from vouchers.sync import (
    batch_sync_failed,
    batch_sync_run,
    server_reconcile_run,
    vouchers_expire_run,
    vouchers_remove_run,
)

job_kind(SYNC_KIND, on_failed=batch_sync_failed)(batch_sync_run)
job_kind(REMOVE_KIND)(vouchers_remove_run)
job_kind(EXPIRE_KIND)(vouchers_expire_run)
job_kind(RECONCILE_KIND)(server_reconcile_run)
