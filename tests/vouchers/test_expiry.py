"""Expired vouchers leave RADIUS: the scheduled job expires each (audited, VoucherExpired) and
the accounting.disconnect job queued with them deletes them from RADIUS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounting.tasks import DisconnectSessions
from radius.services import radius_server_create
from radtik.audit.models import AuditEntry
from radtik.jobs.context import JobContext
from radtik.jobs.models import Job
from radtik.jobs.registry import JobKind
from radtik.jobs.runner import run_in_foreground
from radtik.jobs.services import job_enqueue
from tests.support.jobs import wait_job
from vouchers import services
from vouchers.models import Voucher
from vouchers.tasks import ExpireVouchers, SyncVouchers

pytestmark = pytest.mark.usefixtures("live_db")


def run_here(kind: JobKind, **params):
    job = job_enqueue(kind=kind, params=params, foreground=True)
    assert run_in_foreground(job, JobContext(job=job, schema_name="alpha")) == "succeeded", (
        job.refresh_from_db() or job.error
    )
    job.refresh_from_db()
    return job


def test_expired_vouchers_are_removed_from_radius(radius_agent, tenants):
    agent = radius_agent()
    with schema_context("alpha"):
        server = radius_server_create(
            name="r", host="127.0.0.1", api_base_url=agent.url, token=agent.token
        ).server
        soon = services.profile_create(
            name="event", validity_mode="fixed", expires_at=timezone.now() + timedelta(hours=1)
        )
        later = services.profile_create(
            name="month", validity_mode="fixed", expires_at=timezone.now() + timedelta(days=30)
        )
        short = services.batch_create(profile=soon, radius_server=server, count=3).batch
        long = services.batch_create(profile=later, radius_server=server, count=2).batch
        for batch in (short, long):
            # The batch's own sync job may already have run on a cluster; either way, after
            # this every voucher is on the agent.
            run_here(SyncVouchers, batch_id=batch.pk)
            assert batch.vouchers.filter(radius_sync_status="synced").count() == batch.count
        names = list(short.vouchers.values_list("username", flat=True))
        kept = list(long.vouchers.values_list("username", flat=True))
        assert all(agent.call("GET", f"/users/{n}").status_code == 200 for n in names)

        soon.expires_at = timezone.now() - timedelta(minutes=1)
        soon.save()
        assert run_here(ExpireVouchers).result == {"expired": 3}
        assert set(Voucher.objects.filter(batch=short).values_list("status", flat=True)) == {
            "expired"
        }
        assert AuditEntry.objects.filter(action="voucher.expire").count() == 3
        # One job ends their sessions and removes them, however many expired together.
        (job,) = Job.objects.filter(kind=DisconnectSessions.name)
        assert sorted(job.params["remove"][str(server.pk)]) == sorted(names)
        outcome = run_in_foreground(job, JobContext(job=job, schema_name="alpha"))
        if outcome == "skipped":  # the suite's cluster took the job first: its run counts
            outcome = wait_job(job.pk, schema="alpha", timeout=120).status
        assert outcome == "succeeded"
        # Gone from the agent (below), whichever run removed them.
    assert all(agent.call("GET", f"/users/{n}").status_code == 404 for n in names)
    assert all(agent.call("GET", f"/users/{n}").status_code == 200 for n in kept)
    with schema_context("alpha"):
        assert run_here(ExpireVouchers).result == {"expired": 0}
        assert Job.objects.filter(kind=DisconnectSessions.name).count() == 1
