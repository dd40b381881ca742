"""Sync vouchers to a RADIUS agent: chunked, per-voucher status, idempotent on re-run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from radius.client import AgentClient, agent_client_for
from radius.models import RadiusServer
from radius.namespace import radius_users_delete, radius_users_send
from radius.users import RadiusUser, radius_user
from radtik.jobs.context import JobContext
from radtik.jobs.models import Job
from vouchers.choices import SyncStatus, ValidityMode, VoucherStatus
from vouchers.models import Voucher, VoucherBatch
from vouchers.selectors import batch_counts, voucher_batch_owner
from vouchers.services import publish_batch


def voucher_radius_user(voucher: Voucher, batch: VoucherBatch) -> RadiusUser:
    return batch_radius_users(batch)(voucher.username, voucher.password)


def batch_radius_users(batch: VoucherBatch) -> Callable[[str, str], RadiusUser]:
    """(username, password) -> the voucher's RADIUS user: the batch's profile, owner and limits
    are built once, not once per voucher (100,000 vouchers share them)."""
    profile = batch.profile
    after_first_use = profile.validity_mode == ValidityMode.AFTER_FIRST_USE
    template = radius_user(
        username="",
        password="",
        owner=voucher_batch_owner(batch.pk),
        limits=profile.radius_limits(),
        groups=[profile.name],
        expires_at=profile.expires_at,
        valid_after_first_use=profile.validity_seconds if after_first_use else None,
        mac_lock=profile.mac_lock,
    )
    return lambda username, password: replace(template, username=username, password=password)


def batch_sync_run(ctx: JobContext) -> dict[str, int]:
    """Job body: send the batch's pending vouchers in chunks; transport errors retry the job.

    Linear in the batch: each chunk starts after the last one sent (keyset on the
    (batch, sync status, id) index), and the counts the page shows are counted once and then
    kept up to date chunk by chunk, then counted again at the end."""
    batch = VoucherBatch.objects.select_related("profile", "radius_server").get(
        pk=ctx.params["batch_id"]
    )
    pending = batch.vouchers.filter(radius_sync_status=SyncStatus.PENDING).exclude(
        status=VoucherStatus.DISABLED
    )
    counts = batch_counts(batch)
    total = pending.count()
    ctx.progress("syncing", 0, f"{total} voucher(s) to sync to {batch.radius_server}")
    synced = failed = done = last_id = 0
    chunk_size = settings.VOUCHER_SYNC_CHUNK
    user_for = batch_radius_users(batch)
    with agent_client_for(batch.radius_server) as agent:
        while True:
            chunk = list(
                pending.filter(pk__gt=last_id)
                .order_by("id")
                .values_list("id", "username", "password")[:chunk_size]
            )
            if not chunk:
                break
            last_id = chunk[-1][0]
            try:
                result = radius_users_send(
                    agent=agent,
                    server=batch.radius_server,
                    users=[user_for(name, password) for _, name, password in chunk],
                )
            except Exception:
                # The attempt counts even when the agent never answered.
                Voucher.objects.filter(pk__in=[row[0] for row in chunk]).update(
                    sync_attempts=F("sync_attempts") + 1
                )
                publish_batch(batch, counts=counts)
                raise
            errors = {e.index: e.reason for e in result.errors}
            ok = _still_wanted(agent, [row[:2] for i, row in enumerate(chunk) if i not in errors])
            Voucher.objects.filter(pk__in=ok).update(
                radius_sync_status=SyncStatus.SYNCED,
                radius_synced_at=timezone.now(),
                radius_sync_error="",
                sync_attempts=F("sync_attempts") + 1,
            )
            for index, reason in errors.items():
                Voucher.objects.filter(pk=chunk[index][0]).update(
                    radius_sync_status=SyncStatus.FAILED,
                    radius_sync_error=reason[:500],
                    sync_attempts=F("sync_attempts") + 1,
                )
            synced += len(ok)
            failed += len(errors)
            done += len(chunk)
            counts[SyncStatus.PENDING] -= len(chunk)
            counts[SyncStatus.SYNCED] += len(ok)
            counts[SyncStatus.FAILED] += len(errors)
            ctx.progress(
                "syncing",
                int(done * 100 / max(total, 1)),
                f"{done}/{total} sent: {synced} synced, {failed} failed",
            )
            publish_batch(batch, job=ctx.job, counts=counts)
    publish_batch(batch, job=ctx.job)  # counted again: exact whatever else changed meanwhile
    return {"synced": synced, "failed": failed, "total": total}


def _still_wanted(agent: AgentClient, sent: list[tuple[int, str]]) -> list[int]:
    """Ids of the sent vouchers, (id, username), that are neither disabled nor deleted now. A
    bulk job that disabled one while it was on its way removed it from RADIUS before this send:
    remove it again, so a disabled voucher never stays usable."""
    ids = [pk for pk, _ in sent]
    wanted = set(
        Voucher.objects.filter(pk__in=ids)
        .exclude(status=VoucherStatus.DISABLED)
        .values_list("pk", flat=True)
    )
    late = [username for pk, username in sent if pk not in wanted]
    if late:
        radius_users_delete(agent=agent, usernames=late)
    return [pk for pk in ids if pk in wanted]


def batch_sync_failed(job: Job) -> None:
    """After the last attempt: what is still pending becomes failed, with the job's error."""
    batch = VoucherBatch.objects.filter(pk=job.params.get("batch_id")).first()
    if batch is None:
        return
    batch.vouchers.filter(radius_sync_status=SyncStatus.PENDING).update(
        radius_sync_status=SyncStatus.FAILED, radius_sync_error=job.error[:500]
    )
    publish_batch(batch, job=job)


def vouchers_expire_run(ctx: JobContext) -> dict[str, int]:
    """Scheduled: expire vouchers past their fixed expiry (accounting's disconnect job, queued
    with them, ends their sessions and removes them from RADIUS)."""
    from vouchers.services import vouchers_expire_due

    return {"expired": len(vouchers_expire_due())}


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
