"""The one way to write an audit record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models

from radtik.audit.choices import AuditAction
from radtik.audit.models import AuditEntry

SECRET_KEYS = ("password", "token", "secret", "passkey", "key")


def audit_record(
    *,
    actor: Any | None,
    action: AuditAction,
    obj: models.Model | None = None,
    changes: dict | None = None,
) -> AuditEntry:
    """Record a write in the current schema. Secret-looking fields are never stored."""
    entry = _entry(actor=actor, action=action, obj=obj, changes=changes)
    entry.save()
    return entry


def audit_record_many(
    *, actor: Any | None, action: AuditAction, changes: list[tuple[models.Model, dict]]
) -> list[AuditEntry]:
    """One record per (object, changes), written in one INSERT: a change made to thousands of
    rows at once (an accounting page's first logins) is audited row by row all the same."""
    entries = [_entry(actor=actor, action=action, obj=obj, changes=c) for obj, c in changes]
    return AuditEntry.objects.bulk_create(entries, batch_size=1000)


def _entry(
    *, actor: Any | None, action: AuditAction, obj: models.Model | None, changes: dict | None
) -> AuditEntry:
    clean = {
        key: ("***" if any(part in key.lower() for part in SECRET_KEYS) else value)
        for key, value in (changes or {}).items()
    }
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        actor=user,
        actor_repr=user.get_username() if user else "system",
        action=AuditAction(action),  # an unknown action is a bug: fail here, not in a report
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=clean,
    )


def audit_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """{"field": {"old": …, "new": …}} for each field of `after` whose value differs."""
    return {
        name: {"old": _plain(before.get(name)), "new": _plain(value)}
        for name, value in after.items()
        if _plain(before.get(name)) != _plain(value)
    }


def _plain(value: Any) -> Any:
    """Related objects are recorded as their label, as an operator reads them."""
    return str(value) if isinstance(value, models.Model) else value
