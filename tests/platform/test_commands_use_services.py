"""Management commands write through the services: their changes are validated and audited
like the same change made on a page."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from billing.models import DarajaSettings
from radius.models import RadiusServer
from radtik.audit.choices import AuditAction
from radtik.audit.models import AuditEntry
from radtik.jobs.models import Job

pytestmark = pytest.mark.django_db(transaction=False)


def demo_setup(agent_url: str, daraja_url: str) -> None:
    call_command(
        "demo_setup",
        tenant="alpha",
        agent_url=agent_url,
        agent_token="token-1",
        daraja_url=daraja_url,
        stdout=StringIO(),
    )


def test_demo_setup_moves_its_server_and_daraja_through_the_services(tenants):
    demo_setup("http://127.0.0.1:8799", "http://127.0.0.1:9000")
    demo_setup("http://127.0.0.1:8800", "http://127.0.0.1:9001")
    with schema_context("alpha"):
        assert RadiusServer.objects.get().api_base_url == "http://127.0.0.1:8800"
        assert DarajaSettings.objects.get().base_url == "http://127.0.0.1:9001"
        moved = AuditEntry.objects.get(action=AuditAction.RADIUS_SERVER_UPDATE)
        assert moved.changes == {
            "api_base_url": {"old": "http://127.0.0.1:8799", "new": "http://127.0.0.1:8800"}
        }
        saves = AuditEntry.objects.filter(action=AuditAction.DARAJA_SETTINGS_SAVE).order_by("id")
        assert saves.last().changes == {
            "base_url": {"old": "http://127.0.0.1:9000", "new": "http://127.0.0.1:9001"}
        }
    demo_setup("http://127.0.0.1:8800", "http://127.0.0.1:9001")  # nothing changed: no entry
    with schema_context("alpha"):
        assert AuditEntry.objects.filter(action=AuditAction.RADIUS_SERVER_UPDATE).count() == 1


def test_reconcile_payments_runs_the_audited_reconciliation(tenants):
    out = StringIO()
    call_command("reconcile_payments", tenant="alpha", older_than=5, stdout=out)
    assert out.getvalue().startswith("alpha: succeeded")
    with schema_context("alpha"):
        entry = AuditEntry.objects.get(action=AuditAction.PAYMENTS_RECONCILE)
        assert entry.actor_repr == "system" and entry.changes == {"older_than_seconds": 300}
        assert Job.objects.get().status == "succeeded"
