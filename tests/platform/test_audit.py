"""The audit log: a typed set of actions, old and new values for what changed."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from radtik.audit.choices import AuditAction
from radtik.audit.models import AuditEntry
from radtik.audit.services import audit_changes, audit_record

pytestmark = pytest.mark.django_db(transaction=False)


def test_an_unknown_action_is_refused(tenants):
    with schema_context("alpha"), pytest.raises(ValueError, match="voucher.disabel"):
        audit_record(actor=None, action="voucher.disabel")
    with schema_context("alpha"):
        assert not AuditEntry.objects.exists()


def test_changes_hold_old_and_new_values_of_what_changed():
    before = {"status": "active", "note": "same", "ends_at": None}
    after = {"status": "suspended", "note": "same", "ends_at": "2026-12-31"}
    assert audit_changes(before, after) == {
        "status": {"old": "active", "new": "suspended"},
        "ends_at": {"old": None, "new": "2026-12-31"},
    }


def test_secrets_are_masked_even_as_changes(tenants):
    with schema_context("alpha"):
        entry = audit_record(
            actor=None,
            action=AuditAction.DARAJA_SETTINGS_SAVE,
            changes=audit_changes({"passkey": "old-key"}, {"passkey": "new-key"}),
        )
        assert AuditEntry.objects.get(pk=entry.pk).changes == {"passkey": "***"}
