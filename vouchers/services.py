"""Voucher rules: profiles, collision-free batch generation, sync to RADIUS, bulk disable/delete."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from radius.models import RadiusServer
from radius.namespace import username_owners
from radtik import lookups  # noqa: F401  (field__any)
from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_record
from radtik.events import publish
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue
from radtik.tenancy import current_tenant_id
from radtik.writes import fields_update, row_create, row_delete
from vouchers.choices import MAX_BATCH, VOUCHERS_TOPIC, BulkAction, SyncStatus, VoucherStatus
from vouchers.codes import random_codes
from vouchers.models import Voucher, VoucherBatch, VoucherProfile
from vouchers.selectors import batch_counts, voucher_username_owners

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
# Codes made, checked and copied this many at a time: a 1,000,000-voucher batch never holds more
# than two parts' strings in memory (the one being copied, the next one drawn).
GENERATE_PART = 100_000


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
    """Generate `count` unique vouchers in one transaction, a COPY per part, and queue their
    sync to RADIUS."""
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
        for usernames in _username_parts(count, batch.prefix, code_length, radius_server):
            part = len(usernames)
            passwords = random_codes(part, code_length) if separate_password else usernames
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
        counts = {status: 0 for status in SyncStatus.values}
        publish_batch(batch, counts={**counts, SyncStatus.PENDING: count}, event="batch.created")
    return BatchCreation(batch=batch, job=job)


def _username_parts(
    count: int, prefix: str, length: int, server: RadiusServer
) -> Iterator[list[str]]:
    """The batch's usernames a part at a time, each part checked against the parts copied
    before it (same transaction). The next part's codes are drawn on a thread while the caller
    copies this one: PostgreSQL takes most of a part's time, and the drawing (a third of the
    rest) no longer waits for it."""
    sizes = [min(GENERATE_PART, count - done) for done in range(0, count, GENERATE_PART)]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="voucher-codes") as pool:
        drawn = pool.submit(_draw, sizes[0], prefix, length)
        for index, size in enumerate(sizes):
            usernames = _unique_usernames(drawn.result(), size, prefix, length, server)
            # Drawn only now, so the draws happen in the same order on every run.
            if index + 1 < len(sizes):
                drawn = pool.submit(_draw, sizes[index + 1], prefix, length)
            yield usernames


def _draw(count: int, prefix: str, length: int) -> set[str]:
    """Up to `count` distinct candidate usernames (no database: it runs on a thread)."""
    return {prefix + code for code in random_codes(count, length)}


def _unique_usernames(
    drawn: set[str], count: int, prefix: str, length: int, server: RadiusServer
) -> list[str]:
    """`count` codes from `drawn` and, for those refused, fresh draws: unique among themselves,
    among this tenant's existing vouchers and in the server's username namespace (a
    subscription or moved PPP secret may hold a name there)."""
    chosen: set[str] = set()
    fresh = drawn
    while True:
        fresh -= set(Voucher.objects.filter(username__any=fresh).values_list("username", flat=True))
        # Vouchers were just checked, on every server (their names are unique in the tenant).
        others = username_owners(server=server, usernames=fresh, skip=voucher_username_owners)
        fresh -= others.keys()
        chosen |= fresh
        if len(chosen) >= count:
            break
        fresh = _draw(count - len(chosen), prefix, length) - chosen
    # In order: PostgreSQL's username index (and the agent's, as the sync sends them by id) is
    # then written page after page instead of all over (1,000,000 random codes: 5.2 s -> 0.6 s).
    # The order tells nothing: a code between two known ones is as hard to hit as any other.
    return sorted(chosen)


def _copy_vouchers(batch_id: int, usernames: list[str], passwords: list[str]) -> None:
    """One COPY of preformatted text: codes are from a fixed alphabet, so nothing needs escaping."""
    tail = f"\t{VoucherStatus.UNUSED}\t{SyncStatus.PENDING}\t\t0\t{timezone.now().isoformat()}\n"
    head = f"{batch_id}\t"
    # One write: written in slices as they were formatted, a 1,000,000 batch took a fifth
    # longer (three threads then want the two cores: PostgreSQL, the formatting, the next draw).
    data = "".join(
        f"{head}{username}\t{password}{tail}"
        for username, password in zip(usernames, passwords, strict=True)
    )
    columns = ", ".join(COPY_COLUMNS)
    with connection.cursor() as cursor:
        # The batch foreign key checked as each row goes in, not queued for the commit: a
        # million queued checks cost more than the checks (Django's are all deferred again after).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with cursor.copy(f"COPY vouchers_voucher ({columns}) FROM STDIN") as copy:
            copy.write(data)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


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


def vouchers_bulk_disable(
    *,
    batch: VoucherBatch | None = None,
    voucher_ids: Iterable[int] | None = None,
    actor: Any = None,
) -> Job:
    """Disable a batch's vouchers or a selection of them, as a Job (vouchers.bulk): they stay
    listed and leave RADIUS. The request only queues the job, however many vouchers there are."""
    return _bulk_enqueue(BulkAction.DISABLE, batch, voucher_ids, actor)


def vouchers_bulk_delete(
    *,
    batch: VoucherBatch | None = None,
    voucher_ids: Iterable[int] | None = None,
    actor: Any = None,
) -> Job:
    """Delete a batch (its vouchers, then itself) or a selection of vouchers, as a Job
    (vouchers.bulk): each leaves RADIUS before its row goes."""
    return _bulk_enqueue(BulkAction.DELETE, batch, voucher_ids, actor)


def _bulk_enqueue(
    action: BulkAction,
    batch: VoucherBatch | None,
    voucher_ids: Iterable[int] | None,
    actor: Any,
) -> Job:
    from vouchers.tasks import VoucherBulkAction  # tasks imports this module

    if (batch is None) == (voucher_ids is None):
        raise TypeError("pass either a batch or voucher_ids")
    params: dict[str, Any] = {"action": action.value}
    deleting = action == BulkAction.DELETE
    if batch is not None:
        params["batch_id"] = batch.pk
        changes: dict[str, Any] = {"vouchers": batch.vouchers.count()}
        audit_action = AuditAction.VOUCHER_BATCH_DELETE if deleting else AuditAction.VOUCHER_DISABLE
    else:
        params["voucher_ids"] = _existing_voucher_ids(voucher_ids)
        changes = {"vouchers": params["voucher_ids"]}
        audit_action = AuditAction.VOUCHER_DELETE if deleting else AuditAction.VOUCHER_DISABLE
    with transaction.atomic():
        audit_record(actor=actor, action=audit_action, obj=batch, changes=changes)
        return job_enqueue(kind=VoucherBulkAction, target=batch, requested_by=actor, params=params)


def _existing_voucher_ids(voucher_ids: Iterable[int]) -> list[int]:
    """The selection, sorted (the job's checkpoint walks it in order); unknown ids refuse it."""
    ids = sorted(set(voucher_ids))
    if not ids:
        raise ValidationError({"ids": ["Select at least one voucher."]})
    if len(ids) > MAX_BATCH:
        raise ValidationError({"ids": [f"At most {MAX_BATCH:,} vouchers at once."]})
    found = set(Voucher.objects.filter(pk__any=ids).values_list("pk", flat=True))
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        more = "…" if len(missing) > 10 else ""
        raise ValidationError({"ids": [f"No such voucher: {', '.join(missing[:10])}{more}."]})
    return ids


def vouchers_expire_due(*, now: Any = None) -> list[Voucher]:
    """Vouchers past their profile's fixed expiry, used or not: expired, each through
    vouchers.usage.voucher_expire (its audit entry and VoucherExpired event: accounting then
    ends its sessions and removes it from RADIUS). Returns them."""
    from vouchers.usage import IN_USE, voucher_expire  # usage imports the models this does

    now = now or timezone.now()
    with transaction.atomic():
        due = (
            Voucher.objects.select_for_update(of=("self",))
            .filter(status__in=IN_USE, batch__profile__expires_at__lte=now)
            .select_related("batch__profile")
            .order_by("id")
        )
        return [
            voucher_expire(
                voucher=voucher,
                reason=f"its fixed expiry {voucher.batch.profile.expires_at.isoformat()} passed",
            )
            for voucher in due
        ]


def batch_topic(batch: VoucherBatch) -> str:
    return f"vouchers.batch.{batch.pk}"


def publish_batch(
    batch: VoucherBatch,
    *,
    job: Job | None = None,
    counts: dict[str, int] | None = None,
    event: str = "batch.counts",
) -> None:
    """Push the batch and its counts to its page and the batch list (`batch.created` puts it on
    top there): `counts` when the caller keeps them, else counted."""
    counts = dict(counts) if counts is not None else batch_counts(batch)
    counts["total"] = sum(counts[s] for s in SyncStatus.values)
    payload: dict[str, Any] = {
        "batch": batch.pk,
        "profile": str(batch.profile),
        "server": str(batch.radius_server),
        "count": batch.count,
        "created_at": batch.created_at.isoformat(),
        "counts": counts,
    }
    if job is not None:
        payload["job"] = {"id": job.pk, "progress": job.progress, "status": job.status}
    for topic in (batch_topic(batch), VOUCHERS_TOPIC):
        publish(current_tenant_id(), topic, event, payload)


def sheet_print_start(
    *,
    batch: VoucherBatch,
    layout: str,
    qr: bool = True,
    login_url: str,
    currency: str,
    actor: Any = None,
) -> Job:
    """Queue a print-ready file of the whole batch (vouchers.printing), linked from its job."""
    from vouchers.sheets import LAYOUTS
    from vouchers.tasks import PrintSheet  # tasks imports this module

    if layout not in LAYOUTS:
        raise ValidationError({"layout": [f"Choose one of: {', '.join(LAYOUTS)}."]})
    with transaction.atomic():
        return job_enqueue(
            kind=PrintSheet,
            target=batch,
            requested_by=actor,
            params={
                "batch_id": batch.pk,
                "layout": layout,
                "qr": qr,
                "login_url": login_url,
                "currency": currency,
            },
        )
