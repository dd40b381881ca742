"""Voucher job kinds: RADIUS sync, bulk disable/delete, expiry and reconciliation of batches,
print files."""

from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind
from vouchers.bulk import vouchers_bulk_run
from vouchers.printing import sheet_print_run
from vouchers.sync import (
    batch_sync_failed,
    batch_sync_run,
    server_reconcile_run,
    vouchers_expire_run,
)

# Transport errors to the RADIUS agent: 3 attempts, 5 s then 10 s apart.
SyncVouchers = JobKind(
    name="vouchers.sync",
    policy=JobPolicy(attempts=3, timeout=600, backoff=5),
    run=batch_sync_run,
    on_failed=batch_sync_failed,
)
# Disable / delete a batch or a selection (20,000 vouchers: 80 chunks); resumes at its checkpoint.
VoucherBulkAction = JobKind(
    name="vouchers.bulk",
    policy=JobPolicy(attempts=5, timeout=600, backoff=5),
    run=vouchers_bulk_run,
)
ExpireVouchers = JobKind(
    name="vouchers.expire",
    policy=JobPolicy(attempts=1, timeout=300),
    run=vouchers_expire_run,
    every_minutes=5,
    enqueue_once=True,
)
ReconcileRadiusServer = JobKind(
    name="vouchers.reconcile",
    policy=JobPolicy(attempts=3, timeout=600, backoff=10),
    run=server_reconcile_run,
)
# A sheet too large to render in a request (100,000 QR codes take a few minutes).
PrintSheet = JobKind(
    name="vouchers.print",
    policy=JobPolicy(attempts=2, timeout=600, backoff=5),
    run=sheet_print_run,
)
