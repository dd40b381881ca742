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


def vouchers_first_use(*, first: Mapping[int, datetime]) -> dict[int, str]:
    """First logins, {voucher id: when}: each voucher not used before gets first_used_at, its
    validity's end and active (from unused) and an audit entry, as one voucher would; written
    in one UPDATE and one COPY, however many (an accounting page can hold thousands), and told
    as VouchersActivated, ACTIVATED_CHUNK vouchers an event. Returns {id: status} of those
    changed. Rows are read as tuples: an object per voucher was most of a page's cost."""
    found = list(
        Voucher.objects.filter(pk__any=list(first), first_used_at__isnull=True)
        .values_list("pk", "username", "status", "batch_id", "batch__radius_server_id",
                     "batch__profile_id")
        .order_by("pk")
    )  # fmt: skip
    if not found:
        return {}
    profiles = VoucherProfile.objects.in_bulk({row[5] for row in found})
    changed, audits = [], []
    for pk, username, old, batch, server, profile in found:
        at = first[pk]
        expires = validity_end(profiles[profile], at)
        status = VoucherStatus.ACTIVE if old == VoucherStatus.UNUSED else old
        payload = _payload(pk, username, batch, server, status, at, expires)
        changed.append((pk, at, expires, status, payload))
        audits.append(
            (
                pk,
                username,
                {"status": {"old": old, "new": status}, "first_used_at": payload["first_used_at"],
                 "expires_at": payload["expires_at"]},
            )
        )  # fmt: skip
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
            [[row[n] for row in changed] for n in range(4)],
        )
        audit_record_many(
            actor=None, action=AuditAction.VOUCHER_FIRST_USE, model=Voucher, rows=audits
        )
        for start in range(0, len(changed), ACTIVATED_CHUNK):
            chunk = changed[start : start + ACTIVATED_CHUNK]
            publish(
                current_tenant_id(),
                VOUCHERS_TOPIC,
                "VouchersActivated",
                {"vouchers": [row[4] for row in chunk]},
            )
    return {row[0]: row[3] for row in changed}


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
    return _payload(
        voucher.pk, voucher.username, voucher.batch_id, voucher.batch.radius_server_id,
        voucher.status, voucher.first_used_at, voucher.expires_at,
    )  # fmt: skip


def _payload(
    pk: int,
    username: str,
    batch: int,
    server: int | None,
    status: str,
    first_used_at: datetime | None,
    expires_at: datetime | None,
) -> dict[str, Any]:
    return {
        "voucher": {"id": pk, "username": username, "batch": batch},
        "server": server,
        "status": status,
        "first_used_at": first_used_at.isoformat() if first_used_at else None,
        "expires_at": expires_at.isoformat() if expires_at else None,
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
