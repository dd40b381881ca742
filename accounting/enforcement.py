"""Access that ended ends at the router: the vouchers and subscriptions whose state changes take
their access away (expired, used up, disabled, deleted) have their open sessions ended by the
accounting.disconnect job; an expired or used-up one also leaves RADIUS in that job.

Listens to the domain events those state changes publish (radtik.events), in their transaction:
the job commits with the change or not at all. The changes of one transaction share one job
(a page of accounting that uses up 200 vouchers, a bulk chunk of 250, the expiry of a batch):
the job row is invisible to workers until the commit, so its parameters grow until then.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import connection, models

from accounting.disconnect import sessions_disconnect
from accounting.models import Session
from billing.choices import SUBSCRIPTIONS_TOPIC
from billing.models import Subscription
from radtik.events import DomainEvent, listen
from radtik.jobs.models import Job
from radtik.jobs.services import job_target_fields
from vouchers.choices import VOUCHERS_TOPIC
from vouchers.models import Voucher, VoucherBatch

_pending = threading.local()  # (schema, transaction id) -> the job this transaction queued


def _transaction_key() -> tuple[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current()")
        return connection.schema_name, cursor.fetchone()[0]


def access_ended(
    *,
    reason: str,
    vouchers: list[int] = (),  # type: ignore[assignment]
    subscriptions: list[int] = (),  # type: ignore[assignment]
    remove: dict[int, list[str]] | None = None,
) -> Job:
    """End the open sessions of these vouchers / subscriptions (and remove `remove`'s users from
    RADIUS): one accounting.disconnect job per transaction, however many call this in it."""
    owners = Session.objects.filter(is_open=True)
    # Kept by id as well: a deleted voucher's sessions lose their link to it.
    sessions = list(
        owners.filter(voucher_id__in=vouchers).values_list("pk", flat=True) if vouchers else []
    ) + list(
        owners.filter(subscription_id__in=subscriptions).values_list("pk", flat=True)
        if subscriptions
        else []
    )
    key = _transaction_key()
    job: Job | None = getattr(_pending, "job", None)
    if job is not None and getattr(_pending, "key", None) == key:
        params = _merged(job.params, sessions, vouchers, subscriptions, remove or {})
        batches = _batches_of(vouchers, _pending.batches)
        target = _target_fields(job, _target(params["vouchers"], params["subscriptions"], batches))
        # Zero rows: the savepoint that made the job was rolled back; a new job then.
        if Job.objects.filter(pk=job.pk).update(params=params, **target):
            job.params, _pending.batches = params, batches
            for field, value in target.items():
                setattr(job, field, value)
            return job
    batches = _batches_of(vouchers, set())
    target = _target(list(vouchers), list(subscriptions), batches)
    job = sessions_disconnect(
        reason=reason,
        sessions=sessions,
        vouchers=vouchers,
        subscriptions=subscriptions,
        remove=remove,
        target=_row(target),
    )
    _pending.key, _pending.job, _pending.batches = key, job, batches
    return job


Target = tuple[type[models.Model], int]


def _target(vouchers: list[int], subscriptions: list[int], batches: set[int]) -> Target | None:
    """What the job is about, for the job list and the target's page: the one voucher or
    subscription, or the one batch all its vouchers are of; none for a mix."""
    if subscriptions and not vouchers:
        return (Subscription, subscriptions[0]) if len(subscriptions) == 1 else None
    if vouchers and not subscriptions:
        if len(vouchers) == 1:
            return Voucher, vouchers[0]
        if len(batches) == 1:
            return VoucherBatch, next(iter(batches))
    return None


def _batches_of(vouchers: list[int], known: set[int]) -> set[int]:
    """The batches of a transaction's vouchers so far: `known` and those of `vouchers`. Only
    the new vouchers are looked up (a batch's expiry adds them one at a time), and none once
    two batches are known: the job then names no single one."""
    if len(known) > 1 or not vouchers:
        return known
    rows = Voucher.objects.filter(pk__in=vouchers).values_list("batch_id", flat=True)
    return known | set(rows.order_by().distinct())  # the model's ordering would defeat DISTINCT


def _target_fields(job: Job, target: Target | None) -> dict[str, str]:
    """The job's target columns for `target`; none to write when they already name it."""
    named = (target[0]._meta.label_lower, str(target[1])) if target else ("", "")
    return {} if named == (job.target_type, job.target_id) else job_target_fields(_row(target))


def _row(target: Target | None) -> models.Model | None:
    return target[0].objects.filter(pk=target[1]).first() if target else None


def _merged(
    params: dict[str, Any],
    sessions: list[int],
    vouchers: list[int],
    subscriptions: list[int],
    remove: dict[int, list[str]],
) -> dict[str, Any]:
    merged = dict(params)
    for name, more in (("sessions", sessions), ("vouchers", vouchers),
                       ("subscriptions", subscriptions)):  # fmt: skip
        merged[name] = sorted({*merged.get(name, []), *more})
    removing = {server: list(names) for server, names in merged.get("remove", {}).items()}
    for server, names in remove.items():
        removing[str(server)] = sorted({*removing.get(str(server), []), *names})
    merged["remove"] = removing
    count = len(merged["vouchers"]) + len(merged["subscriptions"])
    merged["reason"] = f"access ended for {count} voucher(s) and subscription(s)"
    return merged


@listen(VOUCHERS_TOPIC, "VoucherUsedUp", "VoucherExpired")
def voucher_access_ended(event: DomainEvent) -> None:
    """Used up or expired: its sessions end and its user leaves RADIUS, so it can't log in."""
    voucher = event.payload["voucher"]
    access_ended(
        reason=f"voucher {voucher['username']} {event.payload['status'].replace('_', ' ')}: "
        f"{event.payload.get('reason', '')}",
        vouchers=[voucher["id"]],
        remove={event.payload["server"]: [voucher["username"]]},
    )


@listen(VOUCHERS_TOPIC, "VouchersWithdrawn")
def vouchers_withdrawn(event: DomainEvent) -> None:
    """Disabled or deleted (vouchers.bulk, a chunk at a time): their sessions end. The bulk job
    removes them from RADIUS itself."""
    ids = event.payload["vouchers"]
    if Session.objects.filter(is_open=True, voucher_id__in=ids).exists():
        access_ended(reason=f"{len(ids)} voucher(s) {event.payload['action']}d", vouchers=ids)


@listen(SUBSCRIPTIONS_TOPIC, "SubscriptionExpired", "SubscriptionSuspended")
def subscription_access_ended(event: DomainEvent) -> None:
    """Expired or suspended: its sessions end (billing's expiry job removes its access)."""
    subscription = event.payload["subscription"]
    if Session.objects.filter(is_open=True, subscription_id=subscription["id"]).exists():
        access_ended(
            reason=f"subscription {subscription['username']} {event.payload['status']}",
            subscriptions=[subscription["id"]],
        )
