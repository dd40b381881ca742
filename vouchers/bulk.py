"""The vouchers.bulk job: disable or delete a batch's vouchers, or a selection, in chunks.

Each chunk is marked disabled first, then removed from RADIUS (through the agent, in this
tenant's scope), then, for a delete, its rows go. A sync that sent a voucher meanwhile sees it
disabled or gone and removes it again (vouchers.sync), so no disabled voucher stays in RADIUS.
Each chunk also announces itself (VouchersWithdrawn): accounting ends the open sessions of its
vouchers at the router. The job saves a checkpoint after each chunk: an attempt whose worker
died resumes at the chunk it was in, and running the same request again changes nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

from django.conf import settings
from django.db import transaction

from radius.client import AgentClient, agent_client_for
from radius.models import RadiusServer
from radius.namespace import radius_users_delete
from radtik.events import publish
from radtik.jobs.context import JobContext
from radtik.tenancy import current_tenant_id
from vouchers.choices import VOUCHERS_TOPIC, BulkAction, VoucherStatus
from vouchers.models import Voucher, VoucherBatch
from vouchers.services import publish_batch


def vouchers_bulk_run(ctx: JobContext) -> dict[str, int]:
    action = BulkAction(ctx.params["action"])
    batch_id = ctx.params.get("batch_id")
    selection: list[int] = ctx.params.get("voucher_ids") or []
    # The first attempt counts; a resumed one keeps that total (a delete has removed rows since).
    done = dict(ctx.checkpoint) or {
        "after_id": 0,
        "changed": 0,
        "removed": 0,
        "total": len(selection) if batch_id is None else _count(batch_id),
    }
    total = done["total"]
    verb = "disabling" if action == BulkAction.DISABLE else "deleting"
    ctx.progress(verb, 0, f"{verb.capitalize()} {total} voucher(s)")
    with ExitStack() as stack:
        agents: dict[int, AgentClient] = {}

        def agent(server_id: int) -> AgentClient:
            if server_id not in agents:
                server = RadiusServer.objects.get(pk=server_id)
                agents[server_id] = stack.enter_context(agent_client_for(server))
            return agents[server_id]

        while chunk := _next_chunk(batch_id, selection, done["after_id"]):
            last_id, vouchers = chunk
            ids = [v.pk for v in vouchers]
            # Each count commits with its checkpoint: an attempt cut anywhere counts nothing twice.
            with transaction.atomic():
                disabled = _disable(ids)
                # Their sessions end at the router (accounting listens), found while the
                # vouchers still exist.
                publish(
                    current_tenant_id(),
                    VOUCHERS_TOPIC,
                    "VouchersWithdrawn",
                    {"vouchers": ids, "action": action.value},
                )
                if action == BulkAction.DISABLE:
                    done["changed"] += disabled
                    ctx.save_checkpoint(**done)
            done["removed"] += _remove_from_radius(vouchers, agent)
            with transaction.atomic():
                if action == BulkAction.DELETE:
                    done["changed"] += Voucher.objects.filter(pk__in=ids).delete()[0]
                done["after_id"] = last_id
                ctx.save_checkpoint(**done)
            handled = _handled(batch_id, selection, last_id, total)
            ctx.progress(
                verb,
                int(handled * 100 / max(total, 1)),
                f"{handled}/{total} handled, {done['removed']} removed from RADIUS",
            )
            for batch in VoucherBatch.objects.filter(pk__in={v.batch_id for v in vouchers}):
                publish_batch(batch, job=ctx.job)
    if action == BulkAction.DELETE and batch_id is not None:
        VoucherBatch.objects.filter(pk=batch_id).delete()
    key = "disabled" if action == BulkAction.DISABLE else "deleted"
    return {key: done["changed"], "removed_from_radius": done["removed"], "total": total}


def _next_chunk(
    batch_id: int | None, selection: list[int], after_id: int
) -> tuple[int, list[Voucher]] | None:
    """(last id covered, vouchers) of the chunk after `after_id`; None when nothing is left.

    A selection advances by its ids, not by rows found: a re-run finds deleted ones gone."""
    size = settings.VOUCHER_SYNC_CHUNK
    rows = Voucher.objects.select_related("batch").order_by("id")
    if batch_id is not None:
        vouchers = list(rows.filter(batch_id=batch_id, pk__gt=after_id)[:size])
        return (vouchers[-1].pk, vouchers) if vouchers else None
    window = [pk for pk in selection if pk > after_id][:size]
    return (window[-1], list(rows.filter(pk__in=window))) if window else None


def _count(batch_id: int) -> int:
    return Voucher.objects.filter(batch_id=batch_id).count()


def _disable(ids: list[int]) -> int:
    return (
        Voucher.objects.filter(pk__in=ids)
        .exclude(status=VoucherStatus.DISABLED)
        .update(status=VoucherStatus.DISABLED)
    )


def _remove_from_radius(vouchers: list[Voucher], agent: Callable[[int], AgentClient]) -> int:
    """Remove the chunk's users from their servers (this tenant's only); how many were there."""
    by_server: dict[int, list[str]] = {}
    for voucher in vouchers:
        by_server.setdefault(voucher.batch.radius_server_id, []).append(voucher.username)
    return sum(
        radius_users_delete(agent=agent(server_id), usernames=names)
        for server_id, names in by_server.items()
    )


def _handled(batch_id: int | None, selection: list[int], last_id: int, total: int) -> int:
    if batch_id is None:
        return sum(1 for pk in selection if pk <= last_id)
    left = Voucher.objects.filter(batch_id=batch_id, pk__gt=last_id).count()  # index on batch
    return max(total - left, 0)
