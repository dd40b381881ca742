"""tenants.create's on_failed: a creation that gives up shows the tenant failed, tells the
system admins live, and can be retried once the cause is gone. Through the real cluster."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from radtik.audit.choices import AuditAction
from radtik.audit.models import AuditEntry
from tests.support.events import GroupListener
from tests.support.jobs import wait_job

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")
PASSWORD = "gamma-Hotspot-2026"


def drop_schema(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_failed_tenant_creation_is_shown_told_and_retried(make_user, tenant_client):
    root = tenant_client("public", make_user("public", "root", is_staff=True, is_superuser=True))
    # A leftover schema of that name, holding a table the migrations want to create.
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA gamma")
        cursor.execute("CREATE TABLE gamma.django_content_type (leftover int)")
    try:
        with GroupListener("system.tenants") as heard:
            response = root.post(
                "/api/tenants/",
                {"name": "Gamma", "slug": "gamma", "admin_username": "boss",
                 "admin_password": PASSWORD},
                content_type="application/json",
            )  # fmt: skip
            assert response.status_code == 202, response.content
            tenant_id = response.json()["tenant"]["id"]
            job = wait_job(response.json()["job"]["id"], schema="public", timeout=120)
            assert job.status == "failed" and job.attempts == 3
            assert "django_content_type" in job.error
            assert root.get(f"/api/tenants/{tenant_id}/").json()["status"] == "failed"
            told = heard.wait_for("tenant.failed")
        assert told["payload"] == {"id": tenant_id, "name": "Gamma", "slug": "gamma",
                                   "status": "failed"}  # fmt: skip
    finally:
        drop_schema("gamma")

    with GroupListener("system.tenants") as heard:
        assert root.post(f"/api/jobs/{job.pk}/retry/").status_code == 202
        job = wait_job(job.pk, schema="public", timeout=120)
        assert job.status == "succeeded", job.error
        assert heard.wait_for("tenant.ready")["payload"]["status"] == "active"
    assert root.get(f"/api/tenants/{tenant_id}/").json()["status"] == "active"
    login = Client(HTTP_HOST="gamma.localhost").post(
        "/login/", {"username": "boss", "password": PASSWORD}
    )
    assert login.status_code == 302

    # The audit trail says what each step changed (the login left the connection on gamma).
    with schema_context("public"):
        trail = {
            entry.action: entry.changes["status"]
            for entry in AuditEntry.objects.filter(
                object_type="tenants.tenant",
                object_id=str(tenant_id),
                action__in=[AuditAction.TENANT_FAIL, AuditAction.TENANT_ACTIVATE],
            )
        }
    assert trail == {
        AuditAction.TENANT_FAIL: {"old": "provisioning", "new": "failed"},
        AuditAction.TENANT_ACTIVATE: {"old": "failed", "new": "active"},
    }
