"""Sync vouchers to a RADIUS agent: chunked, per-voucher status, idempotent on re-run."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from radius.client import AgentUnavailable, agent_client_for
from radius.models import RadiusServer
from radius.namespace import radius_users_delete, radius_users_send
from radius.users import RadiusUser, radius_user
from radtik.jobs.context import JobContext
from radtik.jobs.models import Job
from vouchers.choices import SyncStatus, ValidityMode, VoucherStatus
from vouchers.models import Voucher, VoucherBatch
from vouchers.selectors import voucher_batch_owner
from vouchers.services import publish_batch


def voucher_radius_user(voucher: Voucher, batch: VoucherBatch) -> RadiusUser:
    profile = batch.profile
    after_first_use = profile.validity_mode == ValidityMode.AFTER_FIRST_USE
    return radius_user(
        username=voucher.username,
        password=voucher.password,
        owner=voucher_batch_owner(batch.pk),
        limits=profile.radius_limits(),
        groups=[profile.name],
        expires_at=profile.expires_at,
        valid_after_first_use=profile.validity_seconds if after_first_use else None,
    )


def batch_sync_run(ctx: JobContext) -> dict[str, int]:
    """Job body: send the batch's pending vouchers in chunks; transport errors retry the job."""
    batch = VoucherBatch.objects.select_related("profile", "radius_server").get(
        pk=ctx.params["batch_id"]
    )
    pending = batch.vouchers.filter(radius_sync_status=SyncStatus.PENDING).exclude(
        status=VoucherStatus.DISABLED
    )
    total = pending.count()
    ctx.progress("syncing", 0, f"{total} voucher(s) to sync to {batch.radius_server}")
    synced = failed = done = 0
    chunk_size = settings.VOUCHER_SYNC_CHUNK
    with agent_client_for(batch.radius_server) as agent:
        while True:
            chunk = list(pending.order_by("id")[:chunk_size])
            if not chunk:
                break
            Voucher.objects.filter(pk__in=[v.pk for v in chunk]).update(
                sync_attempts=F("sync_attempts") + 1
            )
            try:
                result = radius_users_send(
                    agent=agent,
                    server=batch.radius_server,
                    users=[voucher_radius_user(v, batch) for v in chunk],
                )
            except AgentUnavailable:
                publish_batch(batch)
                raise
            errors = {e.index: e.reason for e in result.errors}
            ok = [v.pk for i, v in enumerate(chunk) if i not in errors]
            Voucher.objects.filter(pk__in=ok).update(
                radius_sync_status=SyncStatus.SYNCED,
                radius_synced_at=timezone.now(),
                radius_sync_error="",
            )
            for index, reason in errors.items():
                Voucher.objects.filter(pk=chunk[index].pk).update(
                    radius_sync_status=SyncStatus.FAILED, radius_sync_error=reason[:500]
                )
            synced += len(ok)
            failed += len(errors)
            done += len(chunk)
            ctx.progress(
                "syncing",
                int(done * 100 / max(total, 1)),
                f"{done}/{total} sent: {synced} synced, {failed} failed",
            )
            publish_batch(batch, job=ctx.job)
    return {"synced": synced, "failed": failed, "total": total}


def batch_sync_failed(job: Job) -> None:
    """After the last attempt: what is still pending becomes failed, with the job's error."""
    batch = VoucherBatch.objects.filter(pk=job.params.get("batch_id")).first()
    if batch is None:
        return
    batch.vouchers.filter(radius_sync_status=SyncStatus.PENDING).update(
        radius_sync_status=SyncStatus.FAILED, radius_sync_error=job.error[:500]
    )
    publish_batch(batch, job=job)


def vouchers_remove_run(ctx: JobContext) -> dict[str, int]:
    server = RadiusServer.objects.get(pk=ctx.params["server_id"])
    usernames = ctx.params["usernames"]
    ctx.progress("removing", 10, f"Removing {len(usernames)} user(s) from {server}")
    removed = 0
    with agent_client_for(server) as agent:
        for start in range(0, len(usernames), settings.VOUCHER_SYNC_CHUNK):
            chunk = usernames[start : start + settings.VOUCHER_SYNC_CHUNK]
            removed += radius_users_delete(agent=agent, usernames=chunk)
    return {"removed": removed, "asked": len(usernames)}


def vouchers_expire_run(ctx: JobContext) -> dict[str, int]:
    """Scheduled: expire vouchers past their fixed expiry and remove them from RADIUS."""
    from vouchers.services import vouchers_expire_due

    expired = vouchers_expire_due()
    by_server: dict[int, list[str]] = {}
    for voucher in Voucher.objects.filter(username__in=expired).select_related("batch"):
        by_server.setdefault(voucher.batch.radius_server_id, []).append(voucher.username)
    removed = 0
    for server_id, names in by_server.items():
        server = RadiusServer.objects.get(pk=server_id)
        with agent_client_for(server) as agent:
            removed += radius_users_delete(agent=agent, usernames=names)
    return {"expired": len(expired), "removed": removed}


def server_reconcile_run(ctx: JobContext) -> dict[str, int]:
    """Job body: vouchers radtik believes synced but the agent lacks are sent again."""
    server = RadiusServer.objects.get(pk=ctx.params["server_id"])
    vouchers = Voucher.objects.filter(
        batch__radius_server=server, radius_sync_status=SyncStatus.SYNCED
    ).exclude(status__in=[VoucherStatus.DISABLED, VoucherStatus.EXPIRED])
    total = vouchers.count()
    checked = repaired = 0
    chunk_size = settings.VOUCHER_SYNC_CHUNK
    with agent_client_for(server) as agent:
        last_id = 0
        while True:
            chunk = list(
                vouchers.filter(pk__gt=last_id)
                .select_related("batch__profile")
                .order_by("id")[:chunk_size]
            )
            if not chunk:
                break
            last_id = chunk[-1].pk
            present = agent.lookup([v.username for v in chunk])
            missing = [v for v in chunk if not present.get(v.username)]
            if missing:
                result = radius_users_send(
                    agent=agent,
                    server=server,
                    users=[voucher_radius_user(v, v.batch) for v in missing],
                )
                failed = {missing[e.index].pk: e.reason for e in result.errors}
                for voucher_id, reason in failed.items():
                    Voucher.objects.filter(pk=voucher_id).update(
                        radius_sync_status=SyncStatus.FAILED, radius_sync_error=reason[:500]
                    )
                repaired += len(missing) - len(failed)
            checked += len(chunk)
            ctx.progress(
                "reconciling",
                int(checked * 100 / max(total, 1)),
                f"{checked}/{total} checked, {repaired} repaired",
            )
    return {"checked": checked, "repaired": repaired}
