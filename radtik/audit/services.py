"""The one way to write an audit record."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

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
    *,
    actor: Any | None,
    action: AuditAction,
    model: type[models.Model],
    rows: list[tuple[Any, str, dict]],
) -> int:
    """One record per (pk, label, changes) of `model`, written by one COPY: a change made to
    thousands of rows at once (an accounting page's first logins) is audited row by row all
    the same, without building an object per row. Returns how many were written."""
    label = model._meta.label_lower
    return _copy(actor, [(action, label, pk, name, changes) for pk, name, changes in rows])


# (action, object, changes): one write of a batch of writes of different kinds.
AuditItem = tuple[AuditAction, models.Model, dict]


def audit_record_each(*, actor: Any | None, items: list[AuditItem]) -> int:
    """One record per item, in the order given, written by one COPY: a batch of different
    writes (a burst of payments settled together) is audited as each alone would be."""
    return _copy(
        actor,
        [
            (action, obj._meta.label_lower, obj.pk, str(obj), changes)
            for action, obj, changes in items
        ],
    )


def _copy(actor: Any | None, rows: list[tuple[AuditAction, str, Any, str, dict]]) -> int:
    """Write (action, object type, object id, label, changes) rows by one COPY."""
    if not rows:
        return 0
    user = actor if getattr(actor, "is_authenticated", False) else None
    fixed = [timezone.now(), user.pk if user else None, user.get_username() if user else "system"]
    columns = "at, actor_id, actor_repr, action, object_type, object_id, object_repr, changes"
    with connection.cursor() as cursor:
        copy_sql = f"COPY {AuditEntry._meta.db_table} ({columns}) FROM STDIN"
        with cursor.copy(copy_sql) as copy:
            for action, object_type, pk, label, changes in rows:
                encoded = json.dumps(_secretless(changes), cls=DjangoJSONEncoder)
                # An unknown action is a bug: fail here, not in a report.
                copy.write_row(
                    [*fixed, AuditAction(action).value, object_type, str(pk), label[:200], encoded]
                )
    return len(rows)


def _entry(
    *, actor: Any | None, action: AuditAction, obj: models.Model | None, changes: dict | None
) -> AuditEntry:
    clean = _secretless(changes)
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


def _secretless(changes: dict | None) -> dict:
    return {
        key: ("***" if any(part in key.lower() for part in SECRET_KEYS) else value)
        for key, value in (changes or {}).items()
    }


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
