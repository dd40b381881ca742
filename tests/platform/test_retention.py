"""What grows is pruned after the tenant's settings: old finished jobs and their logs, audit
entries (kept longer), stored callbacks, notifications and closed sessions; what is still in use
stays whatever its age, and another tenant's rows are not touched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import PaymentCallback
from radtik.audit.models import AuditEntry
from radtik.jobs.models import Job, JobLogLine
from radtik.jobs.retention import retention_prune, retention_rules
from radtik.jobs.tasks import PruneOldData
from radtik.notifications.models import Notification
from tenants.services import SETTINGS_FIELDS

pytestmark = pytest.mark.django_db


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def fill(schema: str) -> dict[str, int]:
    """In `schema`: rows 100 and 10 days old of each kind, plus old ones still in use."""
    with schema_context(schema):
        for age in (100, 10):
            job = Job.objects.create(
                kind="test.progress", status="succeeded", finished_at=days_ago(age)
            )
            JobLogLine.objects.create(job=job, message=f"{age} days")
            entry = AuditEntry.objects.create(action="router.create", object_repr=f"{age}")
            AuditEntry.objects.filter(pk=entry.pk).update(at=days_ago(age * 10))
            callback = PaymentCallback.objects.create(body="{}", outcome="accepted")
            PaymentCallback.objects.filter(pk=callback.pk).update(received_at=days_ago(age))
            note = Notification.objects.create(
                channel="email",
                recipient="a@example.com",
                template="receipt",
                status="sent",
                body="x",
            )
            Notification.objects.filter(pk=note.pk).update(created_at=days_ago(age))
        running = Job.objects.create(kind="test.progress", status="running")
        Job.objects.filter(pk=running.pk).update(created_at=days_ago(400))
        waiting = PaymentCallback.objects.create(body="{}", outcome="received")
        PaymentCallback.objects.filter(pk=waiting.pk).update(received_at=days_ago(400))
        queued = Notification.objects.create(
            channel="sms", recipient="+254712345678", template="receipt", status="queued", body="x"
        )
        Notification.objects.filter(pk=queued.pk).update(created_at=days_ago(400))
    return {"running": running.pk, "waiting": waiting.pk, "queued": queued.pk}


def test_old_rows_go_after_the_tenants_settings_and_in_use_ones_stay(tenants):
    kept = fill("alpha")
    fill("beta")
    with schema_context("alpha"):
        done = retention_prune()
        # Defaults: jobs 90 days, their logs 30, audit 730, callbacks and notifications 180.
        assert sorted(Job.objects.values_list("pk", flat=True)) == sorted(
            [Job.objects.get(finished_at__gt=days_ago(20)).pk, kept["running"]]
        )
        assert list(JobLogLine.objects.values_list("message", flat=True)) == ["10 days"]
        assert set(AuditEntry.objects.values_list("object_repr", flat=True)) == {"10"}
        assert PaymentCallback.objects.filter(received_at__lt=days_ago(150)).count() == 1
        assert PaymentCallback.objects.filter(pk=kept["waiting"]).exists()
        assert PaymentCallback.objects.count() == 3
        assert Notification.objects.filter(pk=kept["queued"]).exists()
        assert Notification.objects.count() == 3
    assert done["finished jobs"]["deleted"] == 1 and not done["finished jobs"]["more"]
    with schema_context("beta"):
        assert Job.objects.count() == 3 and AuditEntry.objects.count() == 2


def test_a_tenant_keeping_less_loses_more(tenants):
    fill("alpha")
    alpha = tenants["alpha"]
    alpha.job_retention_days = alpha.job_log_retention_days = 5
    alpha.callback_retention_days = alpha.notification_retention_days = 5
    alpha.save()
    with schema_context("alpha"):
        retention_prune()
        assert list(Job.objects.values_list("status", flat=True)) == ["running"]
        assert not JobLogLine.objects.exists()
        assert list(PaymentCallback.objects.values_list("outcome", flat=True)) == ["received"]
        assert list(Notification.objects.values_list("status", flat=True)) == ["queued"]


def test_every_rule_is_an_account_setting_and_the_job_runs_hourly():
    names = {rule.days_setting for rule in retention_rules()}
    assert names >= {"job_retention_days", "job_log_retention_days", "audit_retention_days",
                     "callback_retention_days", "notification_retention_days",
                     "session_retention_days"}  # fmt: skip
    assert names <= set(SETTINGS_FIELDS)
    assert PruneOldData.every_minutes == 60 and PruneOldData.enqueue_once


def test_the_platforms_own_jobs_and_audit_are_pruned_in_public_too(tenants):
    """Tenant creations and welcome e-mails are jobs of the public schema: they grow as well."""
    from django_q.models import Schedule

    from radtik.jobs.periodic import enqueue_for_all_tenants

    with schema_context("public"):
        for age in (100, 10):
            Job.objects.create(kind="test.progress", status="succeeded", finished_at=days_ago(age))
            entry = AuditEntry.objects.create(action="tenant.create", object_repr=f"{age}")
            AuditEntry.objects.filter(pk=entry.pk).update(at=days_ago(age * 10))
        done = retention_prune()
        assert list(Job.objects.values_list("finished_at__date", flat=True)) == [
            days_ago(10).date()
        ]
        assert set(AuditEntry.objects.values_list("object_repr", flat=True)) == {"10"}
        # Tenant-only tables (sessions, callbacks) are not looked for where they don't exist.
        assert set(done) == {"job log lines", "finished jobs", "audit entries", "notifications"}
        Schedule.objects.all().delete()
        enqueue_for_all_tenants(PruneOldData.name)
        assert Job.objects.filter(kind=PruneOldData.name).count() == 1
