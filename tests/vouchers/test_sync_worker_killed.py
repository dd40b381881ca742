"""A worker SIGKILLed in the middle of a 20,000-voucher sync: its lease lapses and the sync
resumes within a minute, not after the broker's redelivery (10 minutes and a half here, as in
production), and every voucher reaches the agent exactly once."""

from __future__ import annotations

import os
import re
import signal
import sqlite3

import pytest
from django_tenants.utils import schema_context

from radius.services import radius_server_create
from radtik.jobs.models import Job
from tests.support.jobs import wait_job
from tests.support.processes import other_clusters_paused, start_qcluster
from tests.support.waiting import wait_for
from vouchers import services
from vouchers.models import Voucher

pytestmark = pytest.mark.usefixtures("live_db")

COUNT = 20_000


def log_lines(job_id: int) -> list[tuple[float, str]]:
    with schema_context("alpha"):
        job = Job.objects.get(pk=job_id)
        return [(line.at.timestamp(), line.message) for line in job.log_lines.all()]


def test_sync_resumes_within_a_minute_after_its_worker_is_killed(radius_agent, tmp_path):
    agent = radius_agent()
    # Production's redelivery: the broker would hand the task out again only after 630 s.
    cluster = start_qcluster(
        tmp_path,
        RADTIK_TASK_MAX_TIMEOUT="600",
        RADTIK_TASK_REDELIVERY_MARGIN="30",
        VOUCHER_SYNC_CHUNK="200",  # 100 chunks: the kill lands mid-sync
    )
    try:
        with other_clusters_paused([cluster]):
            with schema_context("alpha"):
                server = radius_server_create(
                    name="radius-kill", host="127.0.0.1", api_base_url=agent.url, token=agent.token
                ).server
                profile = services.profile_create(name="kill 1h", time_limit=3600)
                job = services.batch_create(profile=profile, radius_server=server, count=COUNT).job

            def started() -> int | None:
                for _, message in log_lines(job.pk):
                    if found := re.search(r"attempt 1 started on .+:(\d+)$", message):
                        return int(found.group(1))
                return None

            pid = wait_for(started, what="the sync to start", timeout=60)

            def mid_sync() -> bool:
                with schema_context("alpha"):
                    synced = Voucher.objects.filter(radius_sync_status="synced").count()
                return 0 < synced < COUNT // 2

            wait_for(mid_sync, what="the first chunks to be synced", timeout=60)
            os.kill(pid, signal.SIGKILL)  # the worker running attempt 1, as the OOM killer would
            with schema_context("alpha"):
                synced_at_kill = Voucher.objects.filter(radius_sync_status="synced").count()
            assert synced_at_kill < COUNT, "the sync ended before the kill"

            def resumed() -> bool:
                return any("attempt 2 started" in message for _, message in log_lines(job.pk))

            wait_for(resumed, what="attempt 2 to start", timeout=90)
            job = wait_job(job.pk, schema="alpha", timeout=120)
    finally:
        cluster.stop()

    assert job.status == "succeeded", job.error
    assert job.attempts == 2
    lines = log_lines(job.pk)
    messages = [message for _, message in lines]
    assert any("attempt 1 lost its lease" in message for message in messages), messages
    # The job's own clock: from its last line written before the kill (a chunk's progress, at
    # or before the kill) to attempt 2's start.
    resume_at = next(at for at, message in lines if "attempt 2 started" in message)
    before_kill = [at for at, msg in lines if at < resume_at and "attempt 1 lost" not in msg]
    assert resume_at - max(before_kill) < 60, lines[-10:]

    with schema_context("alpha"):
        vouchers = Voucher.objects.filter(batch__profile=profile)
        assert vouchers.filter(radius_sync_status="synced").count() == COUNT
        # Sent once each: attempt 2 sent only what attempt 1 had not recorded as synced.
        assert set(vouchers.values_list("sync_attempts", flat=True)) == {1}
        usernames = set(vouchers.values_list("username", flat=True))
    with sqlite3.connect(agent.db) as conn:
        rows = conn.execute(
            "SELECT username, count(*) FROM radcheck WHERE attribute = 'Cleartext-Password' "
            "GROUP BY username"
        ).fetchall()
    assert {username for username, _ in rows} == usernames
    assert {count for _, count in rows} == {1}
