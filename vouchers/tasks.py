"""Voucher job kinds: RADIUS sync, removal, expiry and reconciliation of batches."""

from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind
from vouchers.sync import (
    batch_sync_failed,
    batch_sync_run,
    server_reconcile_run,
    vouchers_expire_run,
    vouchers_remove_run,
)

# Transport errors to the RADIUS agent: 3 attempts, 5 s then 10 s apart.
SyncVouchers = JobKind(
    name="vouchers.sync",
    policy=JobPolicy(attempts=3, timeout=600, backoff=5),
    run=batch_sync_run,
    on_failed=batch_sync_failed,
)
RemoveVouchers = JobKind(
    name="vouchers.remove",
    policy=JobPolicy(attempts=5, timeout=120, backoff=5),
    run=vouchers_remove_run,
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
