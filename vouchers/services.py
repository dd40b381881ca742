"""Voucher rules: profiles, collision-free batch generation, sync to RADIUS, disable/delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from radius.models import RadiusServer
from radius.namespace import username_owners
from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_changes, audit_record
from radtik.events import publish
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue
from radtik.tenancy import current_tenant_id
from radtik.writes import fields_update, row_create, row_delete
from vouchers.choices import MAX_BATCH, SyncStatus, VoucherStatus
from vouchers.codes import random_codes
from vouchers.models import Voucher, VoucherBatch, VoucherProfile
from vouchers.selectors import batch_counts

COPY_COLUMNS = (
    "batch_id",
    "username",
    "password",
    "status",
    "radius_sync_status",
    "radius_sync_error",
    "sync_attempts",
    "created_at",
)


def profile_create(*, actor: Any = None, **fields: Any) -> VoucherProfile:
    return row_create(
        obj=VoucherProfile(**fields),
        action=AuditAction.VOUCHER_PROFILE_CREATE,
        actor=actor,
        changes=fields,
    )


def profile_update(*, profile: VoucherProfile, actor: Any = None, **fields: Any) -> VoucherProfile:
    """Vouchers already in RADIUS keep the limits they were sent with until synced again."""
    return fields_update(
        obj=profile, fields=fields, action=AuditAction.VOUCHER_PROFILE_UPDATE, actor=actor
    )


def profile_delete(*, profile: VoucherProfile, actor: Any = None) -> None:
    if profile.batches.exists():
        raise ValidationError(f"Profile {profile} has voucher batches: delete them first.")
    row_delete(obj=profile, action=AuditAction.VOUCHER_PROFILE_DELETE, actor=actor)


@dataclass(frozen=True)
class BatchCreation:
    batch: VoucherBatch
    job: Job


def batch_create(
    *,
    profile: VoucherProfile,
    radius_server: RadiusServer,
    count: int,
    prefix: str = "",
    code_length: int = 8,
    separate_password: bool = False,
    note: str = "",
    actor: Any = None,
) -> BatchCreation:
    """Generate `count` unique vouchers in one bulk write and queue their sync to RADIUS."""
    from vouchers.tasks import SyncVouchers  # tasks imports this module

    batch = VoucherBatch(
        profile=profile,
        radius_server=radius_server,
        count=count,
        prefix=prefix.upper(),
        code_length=code_length,
        separate_password=separate_password,
        note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    batch.full_clean()
    if not radius_server.active:
        raise ValidationError({"radius_server": ["This RADIUS server is disabled."]})
    if not 1 <= count <= MAX_BATCH:
        raise ValidationError({"count": [f"Between 1 and {MAX_BATCH:,} vouchers per batch."]})
    with transaction.atomic():
        batch.save()
        usernames = _unique_usernames(count, batch.prefix, code_length, radius_server)
        passwords = random_codes(count, code_length) if separate_password else usernames
        _copy_vouchers(batch.pk, usernames, passwords)
        audit_record(
            actor=actor,
            action=AuditAction.VOUCHER_BATCH_CREATE,
            obj=batch,
            changes={"count": count, "profile": profile.name, "server": radius_server.name},
        )
        job = job_enqueue(
            kind=SyncVouchers,
            target=batch,
            requested_by=actor,
            params={"batch_id": batch.pk},
        )
    return BatchCreation(batch=batch, job=job)


def _unique_usernames(count: int, prefix: str, length: int, server: RadiusServer) -> list[str]:
    """Codes unique among themselves, among this tenant's existing vouchers and in the server's
    username namespace (a subscription or moved PPP secret may hold a name there)."""
    chosen: set[str] = set()
    while len(chosen) < count:
        fresh = {prefix + code for code in random_codes(count - len(chosen), length)} - chosen
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT username FROM vouchers_voucher WHERE username = ANY(%s)", [list(fresh)]
            )
            fresh -= {row[0] for row in cursor.fetchall()}
        fresh -= username_owners(server=server, usernames=list(fresh)).keys()
        chosen |= fresh
    return list(chosen)


def _copy_vouchers(batch_id: int, usernames: list[str], passwords: list[str]) -> None:
    """One COPY of preformatted text: codes are from a fixed alphabet, so nothing needs escaping."""
    tail = f"\t{VoucherStatus.UNUSED}\t{SyncStatus.PENDING}\t\t0\t{timezone.now().isoformat()}\n"
    head = f"{batch_id}\t"
    data = "".join(
        f"{head}{username}\t{password}{tail}"
        for username, password in zip(usernames, passwords, strict=True)
    )
    columns = ", ".join(COPY_COLUMNS)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY vouchers_voucher ({columns}) FROM STDIN") as copy,
    ):
        copy.write(data)


def batch_sync(*, batch: VoucherBatch, only_failed: bool = False, actor: Any = None) -> Job:
    """Queue a sync of the batch: its failed vouchers again, or every voucher."""
    from vouchers.tasks import SyncVouchers  # tasks imports this module

    with transaction.atomic():
        vouchers = batch.vouchers.exclude(status=VoucherStatus.DISABLED)
        if only_failed:
            vouchers = vouchers.filter(radius_sync_status=SyncStatus.FAILED)
            if not vouchers.exists():
                raise ValidationError("This batch has no failed vouchers to retry.")
        vouchers.update(radius_sync_status=SyncStatus.PENDING, radius_sync_error="")
        audit_record(
            actor=actor,
            action=AuditAction.VOUCHER_BATCH_SYNC,
            obj=batch,
            changes={"only_failed": only_failed},
        )
        job = job_enqueue(
            kind=SyncVouchers,
            target=batch,
            requested_by=actor,
            params={"batch_id": batch.pk},
        )
        publish_batch(batch)
    return job


def server_resync(*, server: RadiusServer, actor: Any = None) -> list[Job]:
    """Re-send every voucher of a RADIUS server (e.g. after restoring its database)."""
    return [
        batch_sync(batch=batch, actor=actor)
        for batch in VoucherBatch.objects.filter(radius_server=server)
    ]


def server_reconcile(*, server: RadiusServer, actor: Any = None) -> Job:
    """Queue a comparison of this server's synced vouchers with the agent, repairing drift."""
    from vouchers.tasks import ReconcileRadiusServer  # tasks imports this module

    with transaction.atomic():
        audit_record(actor=actor, action=AuditAction.RADIUS_SERVER_RECONCILE, obj=server)
        return job_enqueue(
            kind=ReconcileRadiusServer,
            target=server,
            requested_by=actor,
            params={"server_id": server.pk},
        )


def voucher_set_disabled(*, vouchers: list[Voucher], actor: Any = None) -> Job | None:
    """Disable vouchers: they stay listed, and are removed from RADIUS in the background."""
    if not vouchers:
        return None
    with transaction.atomic():
        ids = [v.pk for v in vouchers]
        Voucher.objects.filter(pk__in=ids).update(status=VoucherStatus.DISABLED)
        for voucher in vouchers:
            audit_record(
                actor=actor,
                action=AuditAction.VOUCHER_DISABLE,
                obj=voucher,
                changes=audit_changes(
                    {"status": voucher.status}, {"status": VoucherStatus.DISABLED}
                ),
            )
        return _enqueue_removal(vouchers, actor)


def voucher_delete(*, vouchers: list[Voucher], actor: Any = None) -> Job | None:
    """Delete vouchers here and, in the background, from RADIUS."""
    if not vouchers:
        return None
    with transaction.atomic():
        job = _enqueue_removal(vouchers, actor)
        for voucher in vouchers:
            audit_record(actor=actor, action=AuditAction.VOUCHER_DELETE, obj=voucher)
        Voucher.objects.filter(pk__in=[v.pk for v in vouchers]).delete()
    return job


def batch_delete(*, batch: VoucherBatch, actor: Any = None) -> Job | None:
    with transaction.atomic():
        job = _enqueue_removal(list(batch.vouchers.all()), actor, target=batch)
        audit_record(actor=actor, action=AuditAction.VOUCHER_BATCH_DELETE, obj=batch)
        batch.delete()
    return job


def _enqueue_removal(vouchers: list[Voucher], actor: Any, target: Any = None) -> Job | None:
    from vouchers.tasks import RemoveVouchers  # tasks imports this module

    by_server: dict[int, list[str]] = {}
    for voucher in vouchers:
        by_server.setdefault(voucher.batch.radius_server_id, []).append(voucher.username)
    jobs = [
        job_enqueue(
            kind=RemoveVouchers,
            target=target,
            requested_by=actor,
            params={"server_id": server_id, "usernames": names},
        )
        for server_id, names in by_server.items()
    ]
    return jobs[0] if jobs else None


def vouchers_expire_due(*, now: Any = None) -> list[str]:
    """Mark vouchers past their profile's fixed expiry expired; return their usernames."""
    now = now or timezone.now()
    due = Voucher.objects.filter(
        status__in=[VoucherStatus.UNUSED, VoucherStatus.ACTIVE],
        batch__profile__expires_at__lte=now,
    )
    usernames = list(due.values_list("username", flat=True))
    due.update(status=VoucherStatus.EXPIRED)
    return usernames


def publish_batch(batch: VoucherBatch, *, job: Job | None = None) -> None:
    counts = batch_counts(batch)
    payload: dict[str, Any] = {"batch": batch.pk, "counts": counts}
    if job is not None:
        payload["job"] = {"id": job.pk, "progress": job.progress, "status": job.status}
    publish(current_tenant_id(), f"vouchers.batch.{batch.pk}", "batch.counts", payload)
