"""Bulk disable / delete of a batch or a selection: 202 + a job at once, the job removes the
vouchers from RADIUS (the real agent) in chunks, resumes where it stopped, and a second run
changes nothing more."""

from __future__ import annotations

import sqlite3

import pytest
from django.conf import settings as django_settings
from django_tenants.utils import schema_context

from radtik.audit.models import AuditEntry
from radtik.jobs.models import Job
from radtik.jobs.runner import run_job
from tests.support.admin import run_queued_jobs
from tests.support.radius import agent_server
from vouchers import services
from vouchers.models import Voucher, VoucherBatch
from vouchers.tasks import VoucherBulkAction

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def agent(radius_agent):
    return radius_agent()


@pytest.fixture
def operator(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "ops", role="operator"))


def synced_batch(agent, count: int) -> VoucherBatch:
    server = agent_server(agent)
    with schema_context("alpha"):
        profile = services.profile_create(name="1 hour", time_limit=3600)
        batch = services.batch_create(profile=profile, radius_server=server, count=count).batch
        run_queued_jobs()
        assert batch.vouchers.filter(radius_sync_status="synced").count() == count
    return batch


def agent_users(agent) -> set[str]:
    with sqlite3.connect(agent.db) as db:
        return {row[0] for row in db.execute("SELECT DISTINCT username FROM radcheck")}


def test_disabling_a_20000_voucher_batch_is_a_job_and_a_second_run_changes_nothing(operator, agent):
    batch = synced_batch(agent, 20_000)
    assert len(agent_users(agent)) == 20_000
    response = operator.post(f"/api/voucher-batches/{batch.pk}/disable/")
    assert response.status_code == 202, response.content
    body = response.json()["job"]
    assert body["kind"] == VoucherBulkAction.name and body["status"] == "queued"
    assert response["Location"] == body["url"]
    with schema_context("alpha"):
        assert not batch.vouchers.filter(status="disabled").exists()  # nothing done in the request
        job = run_queued_jobs()[0]
        assert job.result == {"disabled": 20_000, "removed_from_radius": 20_000, "total": 20_000}
        chunks = 20_000 // django_settings.VOUCHER_SYNC_CHUNK  # a progress line for each
        assert job.progress == 100 and job.log_lines.filter(stage="disabling").count() > chunks
        assert batch.vouchers.filter(status="disabled").count() == 20_000
    assert agent_users(agent) == set()

    again = operator.post(f"/api/voucher-batches/{batch.pk}/disable/")
    assert again.status_code == 202
    with schema_context("alpha"):
        rerun = run_queued_jobs()[0]
        assert rerun.result == {"disabled": 0, "removed_from_radius": 0, "total": 20_000}


def test_deleting_a_batch_removes_its_vouchers_from_radius_then_the_batch(operator, agent):
    batch = synced_batch(agent, 30)
    response = operator.delete(f"/api/voucher-batches/{batch.pk}/")
    assert response.status_code == 202, response.content
    with schema_context("alpha"):
        assert VoucherBatch.objects.filter(pk=batch.pk).exists()  # until its job has run
        job = run_queued_jobs()[0]
        assert job.result == {"deleted": 30, "removed_from_radius": 30, "total": 30}
        assert not VoucherBatch.objects.filter(pk=batch.pk).exists()
        assert not Voucher.objects.exists()
        entry = AuditEntry.objects.get(action="voucher_batch.delete")
        assert entry.actor_repr == "ops" and entry.changes == {"vouchers": 30}
    assert agent_users(agent) == set()


def test_deleting_and_disabling_a_selection(operator, agent):
    batch = synced_batch(agent, 6)
    with schema_context("alpha"):
        names = list(batch.vouchers.order_by("id").values_list("username", flat=True))
        ids = list(batch.vouchers.order_by("id").values_list("pk", flat=True))
    gone = operator.post(
        "/api/vouchers/bulk-delete/", {"ids": ids[:2]}, content_type="application/json"
    )
    off = operator.post(
        "/api/vouchers/bulk-disable/", {"ids": ids[4:]}, content_type="application/json"
    )
    assert (gone.status_code, off.status_code) == (202, 202), (gone.content, off.content)
    with schema_context("alpha"):
        run_queued_jobs()
        assert list(Voucher.objects.order_by("id").values_list("status", flat=True)) == [
            "unused",
            "unused",
            "disabled",
            "disabled",
        ]
    assert agent_users(agent) == set(names[2:4])


@pytest.mark.parametrize(
    ("ids", "message"),
    [([], "Ensure this field has at least 1 elements."), ([999_999], "No such voucher: 999999.")],
)
def test_a_bad_selection_is_a_field_error(operator, agent, ids, message):
    synced_batch(agent, 1)
    response = operator.post(
        "/api/vouchers/bulk-disable/", {"ids": ids}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json() == {"ids": [message]}
    with schema_context("alpha"):
        assert not Job.objects.filter(kind=VoucherBulkAction.name).exists()


def test_a_viewer_cannot_bulk_disable(make_user, tenant_client, agent):
    batch = synced_batch(agent, 1)
    viewer = tenant_client("alpha", make_user("alpha", "peek", role="viewer"))
    assert viewer.post(f"/api/voucher-batches/{batch.pk}/disable/").status_code == 403
    assert viewer.delete(f"/api/voucher-batches/{batch.pk}/").status_code == 403


def test_an_attempt_that_stopped_after_disabling_resumes_and_removes_them_from_radius(
    agent, settings
):
    """The agent went away after a chunk was marked disabled: the next attempt resumes at that
    chunk, so those vouchers leave RADIUS too (a retry that skipped disabled ones would not)."""
    settings.VOUCHER_SYNC_CHUNK = 2
    batch = synced_batch(agent, 5)
    agent.stop()
    with schema_context("alpha"):
        job = services.vouchers_bulk_disable(batch=batch)
        assert run_job("alpha", job.pk, 1) == "retrying"
        assert batch.vouchers.filter(status="disabled").count() == 2
    agent.start()
    with schema_context("alpha"):
        assert run_job("alpha", job.pk, 2) == "succeeded"
        job.refresh_from_db()
        assert job.result == {"disabled": 5, "removed_from_radius": 5, "total": 5}
    assert agent_users(agent) == set()


def test_a_voucher_disabled_while_its_sync_was_on_the_way_leaves_radius(agent, settings):
    """The sync read the chunk before the bulk job disabled it and sent it after the bulk job
    removed it: the sync sees it disabled and removes it again."""
    from vouchers import sync

    batch = synced_batch(agent, 3)
    with schema_context("alpha"):
        chunk = list(batch.vouchers.select_related("batch").order_by("id"))
        Voucher.objects.filter(pk=chunk[0].pk).update(status="disabled")
        with sync.agent_client_for(batch.radius_server) as client:
            sent = [(v.pk, v.username) for v in chunk]
            assert sync._still_wanted(client, sent) == [v.pk for v in chunk[1:]]
    assert agent_users(agent) == {v.username for v in chunk[1:]}
