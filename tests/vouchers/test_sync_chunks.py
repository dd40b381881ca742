"""The sync job walks a batch chunk by chunk: each voucher sent once, counts kept exact."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django_tenants.utils import schema_context

from radius.services import radius_server_create
from radtik.jobs.context import JobContext
from tests.support.events import GroupListener
from vouchers import services
from vouchers.models import Voucher
from vouchers.sync import batch_sync_run


def counts_published(listener: GroupListener, until: dict, timeout: float = 20) -> list[dict]:
    """Every batch.counts payload's counts, in order, up to the first equal to `until`."""

    async def receive() -> list[dict]:
        seen: list[dict] = []
        async with asyncio.timeout(timeout):
            while not seen or seen[-1] != until:
                message = await listener.layer.receive(listener.channel)
                if message["event"] == "batch.counts":
                    seen.append(message["payload"]["counts"])
        return seen

    return async_to_sync(receive)()


@pytest.mark.django_db
def test_chunked_sync_sends_each_voucher_once_and_counts_stay_exact(
    tenants, radius_agent, settings, django_capture_on_commit_callbacks
):
    settings.VOUCHER_SYNC_CHUNK = 7
    agent = radius_agent()
    with schema_context("alpha"):
        server = radius_server_create(
            name="r1", host="127.0.0.1", api_base_url=agent.url, token=agent.token
        ).server
        profile = services.profile_create(name="1 hour", time_limit=3600)
        made = services.batch_create(profile=profile, radius_server=server, count=30)
        ids = list(made.batch.vouchers.order_by("id").values_list("id", flat=True))
        Voucher.objects.filter(pk=ids[10]).update(password="")  # the agent refuses this one
        Voucher.objects.filter(pk=ids[20]).update(status="disabled")  # never sent
        group = f"tenant.{tenants['alpha'].pk}.vouchers.batch.{made.batch.pk}"
        with GroupListener(group) as listener:
            with django_capture_on_commit_callbacks(execute=True):
                result = batch_sync_run(JobContext(job=made.job, schema_name="alpha"))
            final = {"pending": 1, "synced": 28, "failed": 1, "total": 30}
            published = counts_published(listener, until=final)
        vouchers = {v.pk: v for v in Voucher.objects.all()}

    assert result == {"synced": 28, "failed": 1, "total": 29}
    assert vouchers[ids[10]].radius_sync_status == "failed"
    assert "password" in vouchers[ids[10]].radius_sync_error
    assert (vouchers[ids[20]].radius_sync_status, vouchers[ids[20]].sync_attempts) == (
        "pending",
        0,
    )
    sent = [v for pk, v in vouchers.items() if pk != ids[20]]
    assert {v.sync_attempts for v in sent} == {1}
    assert {
        v.radius_sync_status for pk, v in vouchers.items() if pk not in ids[10:11] + ids[20:21]
    } == {"synced"}
    # One push per chunk of 7 (29 sent: 5 chunks) as the counts move, then the recount.
    assert len(published) >= 5
    pending = [counts["pending"] for counts in published]
    assert pending == sorted(pending, reverse=True)
    assert all(counts["total"] == 30 for counts in published)
    assert published[-1] == final
    present = agent.call("GET", f"/users/{vouchers[ids[29]].username}")
    assert present.status_code == 200
