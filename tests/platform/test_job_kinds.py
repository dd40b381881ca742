"""Job kinds are declared once: the declaration carries the policy, schedule and lane."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django_q.models import Schedule
from django_tenants.utils import schema_context

from billing.tasks import ExpireSubscriptions, ProcessPayment, ReconcilePayments
from radtik.jobs.models import Job
from radtik.jobs.periodic import enqueue_for_all_tenants, ensure_schedules
from radtik.jobs.policies import JobPolicy
from radtik.jobs.registry import JobKind, get_kind, kinds
from radtik.jobs.services import job_enqueue
from radtik.jobs.tasks import PruneOldData
from radtik.notifications.tasks import NotificationChecks
from routers.tasks import RollUpSamples
from tenants.selectors import tenant_schemas_active
from tests.support.jobkinds import Flaky
from vouchers.tasks import ExpireVouchers

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _noop(ctx):
    return None


def test_startup_refuses_a_kind_without_a_policy():
    env = {**os.environ, "RADTIK_EXTRA_TASK_MODULES": "tests.support.kind_without_policy"}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Job kind 'test.no_policy' has no policy" in done.stderr


def test_a_declaration_without_policy_or_body_is_refused_and_not_registered():
    with pytest.raises(TypeError, match="policy"):
        JobKind(name="test.forgot", run=_noop)  # type: ignore[call-arg]
    with pytest.raises(ImproperlyConfigured, match="exactly one of run= .* or sweep="):
        JobKind(name="test.no_body", policy=JobPolicy())
    with pytest.raises(ImproperlyConfigured, match="'vouchers.sync' is declared twice"):
        JobKind(name="vouchers.sync", policy=JobPolicy(), run=_noop)
    assert {"test.forgot", "test.no_body"}.isdisjoint(kind.name for kind in kinds())
    assert get_kind("vouchers.sync").run is not _noop


def test_enqueued_job_takes_attempts_and_queue_from_its_declaration(tenants):
    with schema_context("alpha"):
        job = job_enqueue(kind=ProcessPayment, foreground=True)
        assert job.kind == "billing.process_payment"
        assert job_enqueue(kind=Flaky).max_attempts == Flaky.policy.attempts == 3
    assert job.max_attempts == 1  # foreground: one attempt, in the caller's process
    assert ProcessPayment.queue == "payments"


def test_schedules_come_from_the_periodic_declarations(tenants):
    ensure_schedules()
    periodic = {s.name: s.minutes for s in Schedule.objects.filter(name__startswith="periodic:")}
    assert periodic == {
        f"periodic:{ExpireVouchers.name}": 5,
        f"periodic:{ReconcilePayments.name}": 1,
        f"periodic:{ExpireSubscriptions.name}": 1,
        f"periodic:{NotificationChecks.name}": 1,
        f"periodic:{RollUpSamples.name}": 5,
        f"periodic:{PruneOldData.name}": 60,
    }
    assert Schedule.objects.filter(name="jobs:redeliver", minutes=1).exists()


def test_periodic_run_skips_a_tenant_whose_previous_run_is_live(tenants):
    assert {"alpha", "beta"} <= set(tenant_schemas_active())
    assert "public" not in tenant_schemas_active()
    with schema_context("alpha"):
        running = Job.objects.create(kind=ExpireVouchers.name, status="running")
    enqueue_for_all_tenants(ExpireVouchers.name)
    with schema_context("alpha"):
        assert list(Job.objects.filter(kind=ExpireVouchers.name)) == [running]
    with schema_context("beta"):
        assert Job.objects.filter(kind=ExpireVouchers.name, status="queued").count() == 1
    enqueue_for_all_tenants(ExpireVouchers.name)  # beta's first run is still queued
    with schema_context("beta"):
        assert Job.objects.filter(kind=ExpireVouchers.name).count() == 1
