"""Voucher services driven by what happens on the network (accounting calls them): the first
use, the usage of its sessions, used up, expired. Each transition is one call: the row, an
audit entry and an event on the tenant's vouchers topic (which ends the voucher's sessions and
removes its user from RADIUS: accounting listens)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from radtik import lookups  # noqa: F401  (field__any)
from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_record, audit_record_many
from radtik.events import publish
from radtik.tenancy import current_tenant_id
from vouchers.choices import ACTIVATED_CHUNK, VOUCHERS_TOPIC, ValidityMode, VoucherStatus
from vouchers.models import Voucher, VoucherProfile

# Still giving access: a transition to used up or expired starts from one of these.
IN_USE = (VoucherStatus.UNUSED, VoucherStatus.ACTIVE)


def validity_end(profile: VoucherProfile, first_used_at: datetime) -> datetime | None:
    """When a voucher first used at `first_used_at` stops being valid: its profile's period
    after first use, never past the profile's fixed expiry."""
    ends = [profile.expires_at] if profile.expires_at else []
    if profile.validity_mode == ValidityMode.AFTER_FIRST_USE and profile.validity_seconds:
        ends.append(first_used_at + timedelta(seconds=profile.validity_seconds))
    return min(ends) if ends else None


def vouchers_first_use(*, first: Mapping[int, datetime]) -> dict[int, Voucher]:
    """First logins, {voucher id: when}: each voucher not used before gets first_used_at, its
    validity's end and active (from unused) and an audit entry, as one voucher would; written
    in one UPDATE and one INSERT, however many (an accounting page can hold thousands), and
    told as VouchersActivated, ACTIVATED_CHUNK vouchers an event. Returns the vouchers changed."""
    vouchers = list(
        Voucher.objects.filter(pk__any=list(first), first_used_at__isnull=True)
        .select_related("batch__profile")
        .order_by("pk")
    )
    audits = []
    for voucher in vouchers:
        at, old = first[voucher.pk], voucher.status
        voucher.first_used_at = at
        voucher.expires_at = validity_end(voucher.batch.profile, at)
        if voucher.status == VoucherStatus.UNUSED:
            voucher.status = VoucherStatus.ACTIVE
        audits.append(
            (
                voucher,
                {
                    "status": {"old": old, "new": voucher.status},
                    "first_used_at": at.isoformat(),
                    "expires_at": voucher.expires_at.isoformat() if voucher.expires_at else None,
                },
            )
        )
    if not vouchers:
        return {}
    with transaction.atomic(), connection.cursor() as cursor:
        # Only a voucher still never used: a concurrent first use keeps its own moment.
        cursor.execute(
            """
            UPDATE vouchers_voucher AS v
            SET first_used_at = u.first_used_at, expires_at = u.expires_at, status = u.status
            FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::text[])
                AS u (id, first_used_at, expires_at, status)
            WHERE v.id = u.id AND v.first_used_at IS NULL
            """,
            [
                [v.pk for v in vouchers],
                [v.first_used_at for v in vouchers],
                [v.expires_at for v in vouchers],
                [v.status for v in vouchers],
            ],
        )
        audit_record_many(actor=None, action=AuditAction.VOUCHER_FIRST_USE, changes=audits)
        for start in range(0, len(vouchers), ACTIVATED_CHUNK):
            chunk = vouchers[start : start + ACTIVATED_CHUNK]
            publish(
                current_tenant_id(),
                VOUCHERS_TOPIC,
                "VouchersActivated",
                {"vouchers": [voucher_payload(v) for v in chunk]},
            )
    return {voucher.pk: voucher for voucher in vouchers}


def voucher_used_up(*, voucher: Voucher, reason: str) -> Voucher:
    """Its time or data is gone: used up (its sessions end, its user leaves RADIUS)."""
    return _end(
        voucher, VoucherStatus.USED_UP, AuditAction.VOUCHER_USED_UP, reason, "VoucherUsedUp"
    )


def voucher_expire(*, voucher: Voucher, reason: str) -> Voucher:
    """Its validity ended (fixed, or a period after first use): expired."""
    return _end(
        voucher, VoucherStatus.EXPIRED, AuditAction.VOUCHER_EXPIRE, reason, "VoucherExpired"
    )


def _end(voucher: Voucher, status: str, action: AuditAction, reason: str, event: str) -> Voucher:
    if voucher.status not in IN_USE:
        return voucher
    old, voucher.status = voucher.status, status
    with transaction.atomic():
        voucher.save(update_fields=["status"])
        audit_record(
            actor=None,
            action=action,
            obj=voucher,
            changes={"status": {"old": old, "new": status}, "reason": reason},
        )
        voucher_publish(voucher, event, reason=reason)
    return voucher


def voucher_publish(voucher: Voucher, event: str, **extra: Any) -> None:
    publish(current_tenant_id(), VOUCHERS_TOPIC, event, {**voucher_payload(voucher), **extra})


def voucher_payload(voucher: Voucher) -> dict[str, Any]:
    return {
        "voucher": {"id": voucher.pk, "username": voucher.username, "batch": voucher.batch_id},
        "server": voucher.batch.radius_server_id,
        "status": voucher.status,
        "first_used_at": voucher.first_used_at.isoformat() if voucher.first_used_at else None,
        "expires_at": voucher.expires_at.isoformat() if voucher.expires_at else None,
    }


def vouchers_usage_record(*, usage: dict[int, tuple[int, int]]) -> list[Voucher]:
    """Keep what each voucher's sessions used, {id: (seconds, octets)}, in one statement; the
    vouchers whose time or data limit that reaches are used up. Returns those."""
    if not usage:
        return []
    ids = list(usage)
    # Never lower: retention prunes old sessions, the use they counted stays.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE vouchers_voucher AS v
            SET used_seconds = GREATEST(v.used_seconds, u.seconds),
                used_octets = GREATEST(v.used_octets, u.octets)
            FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS u (id, seconds, octets),
                 vouchers_voucherbatch AS b, vouchers_voucherprofile AS p
            WHERE v.id = u.id AND b.id = v.batch_id AND p.id = b.profile_id
              AND (v.used_seconds < u.seconds OR v.used_octets < u.octets)
            RETURNING v.id, v.status, v.used_seconds, v.used_octets, p.time_limit, p.data_limit
            """,
            [ids, [usage[i][0] for i in ids], [usage[i][1] for i in ids]],
        )
        reached = {
            pk: _limit_reason(seconds, octets, time_limit, data_limit)
            for pk, status, seconds, octets, time_limit, data_limit in cursor.fetchall()
            if status in IN_USE
        }
    reached = {pk: reason for pk, reason in reached.items() if reason}
    vouchers = Voucher.objects.filter(pk__in=reached).select_related("batch__profile")
    return [voucher_used_up(voucher=v, reason=reached[v.pk]) for v in vouchers]


def _limit_reason(seconds: int, octets: int, time_limit: int | None, data_limit: int | None) -> str:
    if time_limit and seconds >= time_limit:
        return f"its time is used up ({seconds} of {time_limit} s)"
    if data_limit and octets >= data_limit:
        return f"its data is used up ({octets:,} of {data_limit:,} bytes)"
    return ""


def vouchers_expire_validity(*, server_id: int, now: datetime | None = None) -> list[Voucher]:
    """The vouchers of a RADIUS server in use past their validity's end: expired, each."""
    now = now or timezone.now()
    due = Voucher.objects.filter(
        status=VoucherStatus.ACTIVE, expires_at__lte=now, batch__radius_server_id=server_id
    ).select_related("batch__profile")
    return [
        voucher_expire(voucher=v, reason=f"its validity ended at {v.expires_at.isoformat()}")
        for v in due
    ]
