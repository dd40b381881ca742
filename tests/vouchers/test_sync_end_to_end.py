"""Vouchers from the API to FreeRADIUS: real qcluster, real agent process, real FreeRADIUS."""

from __future__ import annotations

import sqlite3

import pytest
from django_tenants.utils import schema_context

from radius.services import radius_server_create
from tests.support.jobs import wait_job
from vouchers.models import Voucher

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")


@pytest.fixture
def operator(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "ops", role="admin"))


def setup_batch(client, agent, count: int) -> dict:
    with schema_context("alpha"):
        server = radius_server_create(
            name="radius-1", host="127.0.0.1", api_base_url=agent.url, token=agent.token
        ).server
    profile = client.post(
        "/api/voucher-profiles/",
        {
            "name": "1 hour",
            "time_limit": 3600,
            "data_limit": 6 * 2**30,
            "rate_limit": "2M/5M",
            "simultaneous_use": 1,
            "validity_mode": "after_first_use",
            "validity_seconds": 86400,
            "price": "20",
        },
        content_type="application/json",
    ).json()
    response = client.post(
        "/api/voucher-batches/",
        {"profile": profile["id"], "radius_server": server.pk, "count": count},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    return response.json()


def test_batch_syncs_and_freeradius_answers(operator, radius_agent, freeradius):
    agent = radius_agent()
    body = setup_batch(operator, agent, 1000)
    job = wait_job(body["job"]["id"], timeout=60)
    assert job.status == "succeeded", job.error
    assert job.result == {"synced": 1000, "failed": 0, "total": 1000}
    counts = operator.get(f"/api/voucher-batches/{body['batch']['id']}/").json()["counts"]
    assert counts == {"pending": 0, "synced": 1000, "failed": 0, "total": 1000}

    with schema_context("alpha"):
        voucher = Voucher.objects.order_by("?").first()
    radius = freeradius(agent)
    accept = radius.auth(voucher.username, voucher.password)
    assert accept.accepted, radius.tail()
    assert accept.attributes["Mikrotik-Rate-Limit"] == "2M/5M"
    assert accept.attributes["Mikrotik-Total-Limit-Gigawords"] == "1"
    assert accept.attributes["Session-Timeout"] == "3600"
    assert not radius.auth(voucher.username, voucher.password + "x").accepted

    # Syncing the same batch again leaves one row set per user.
    again = operator.post(f"/api/voucher-batches/{body['batch']['id']}/retry-failed/")
    assert again.status_code == 400  # nothing failed
    with schema_context("alpha"):
        from vouchers.models import VoucherBatch
        from vouchers.services import batch_sync

        resync = batch_sync(batch=VoucherBatch.objects.get())
    assert wait_job(resync.pk, timeout=60).status == "succeeded"
    with sqlite3.connect(agent.db) as conn:
        # Each user's own rows (its password) and its groups (its limits' and its profile's),
        # once each; the limits are one group's rows, shared by the batch.
        per_user = conn.execute(
            "SELECT max(n) FROM (SELECT count(*) n FROM radcheck GROUP BY username) UNION ALL "
            "SELECT max(n) FROM (SELECT count(*) n FROM radusergroup GROUP BY username)"
        ).fetchall()
        users = conn.execute("SELECT count(DISTINCT username) FROM radcheck").fetchone()[0]
        validity = conn.execute(
            "SELECT c.value FROM radusergroup g JOIN radgroupcheck c ON c.groupname = g.groupname "
            "WHERE g.username = ? AND c.attribute = 'Expire-After'",
            [voucher.username],
        ).fetchall()
    assert per_user == [(1,), (2,)] and users == 1000
    assert validity == [("86400",)]  # a day after first use, counted by FreeRADIUS

    # Deleting the voucher removes it from RADIUS (in the background).
    delete = operator.post(f"/api/vouchers/{voucher.pk}/disable/")
    assert delete.status_code == 202
    assert wait_job(delete.json()["job"]["id"], timeout=60).status == "succeeded"
    assert not radius.auth(voucher.username, voucher.password).accepted


def test_agent_down_then_retry_failed_syncs_all(operator, radius_agent):
    agent = radius_agent()
    agent.stop()
    body = setup_batch(operator, agent, 300)
    job = wait_job(body["job"]["id"], timeout=90)
    assert job.status == "failed" and job.attempts == 3
    assert "unreachable" in job.error
    with schema_context("alpha"):
        log = list(job.log_lines.values_list("message", flat=True))
        statuses = set(Voucher.objects.values_list("radius_sync_status", flat=True))
        errors = set(Voucher.objects.values_list("radius_sync_error", flat=True))
    assert any("next attempt in 5 s" in line for line in log)
    assert any("next attempt in 10 s" in line for line in log)
    assert statuses == {"failed"} and any("unreachable" in e for e in errors)

    agent.start()
    retry = operator.post(f"/api/voucher-batches/{body['batch']['id']}/retry-failed/")
    assert retry.status_code == 202
    assert wait_job(retry.json()["job"]["id"], timeout=60).status == "succeeded"
    counts = operator.get(f"/api/voucher-batches/{body['batch']['id']}/").json()["counts"]
    assert counts["synced"] == 300 and counts["failed"] == 0


def test_bad_voucher_in_agent_answer_is_failed_with_reason(operator, radius_agent):
    agent = radius_agent(max_batch=1000)
    body = setup_batch(operator, agent, 5)
    assert wait_job(body["job"]["id"], timeout=60).status == "succeeded"
    with schema_context("alpha"):
        bad = Voucher.objects.first()
        Voucher.objects.filter(pk=bad.pk).update(password="", radius_sync_status="pending")
        from vouchers.models import VoucherBatch
        from vouchers.services import batch_sync

        job = batch_sync(batch=VoucherBatch.objects.get())
    assert wait_job(job.pk, timeout=60).status == "succeeded"
    with schema_context("alpha"):
        bad.refresh_from_db()
    assert bad.radius_sync_status == "failed" and "password" in bad.radius_sync_error
