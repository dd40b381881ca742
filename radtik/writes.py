"""The shared body of the plain `<entity>_create` / `_update` / `_delete` services: validated,
audited creates, field edits and deletes of one row. Services with rules of their own do not use
it."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_changes, audit_record

M = TypeVar("M", bound=models.Model)


def row_create(*, obj: M, action: AuditAction, actor: Any, changes: dict[str, Any]) -> M:
    """Validate and save the new `obj`, recording `changes` (its given fields) with it."""
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        audit_record(actor=actor, action=action, obj=obj, changes=changes)
    return obj


def fields_update(*, obj: M, fields: dict[str, Any], action: AuditAction, actor: Any) -> M:
    """Set `fields` on `obj`, validate, save and record what changed (nothing: no write)."""
    changes = audit_changes({name: getattr(obj, name) for name in fields}, fields)
    if not changes:
        return obj
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        audit_record(actor=actor, action=action, obj=obj, changes=changes)
    return obj


def row_delete(*, obj: models.Model, action: AuditAction, actor: Any) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action=action, obj=obj)
        obj.delete()


def single_row_save(
    *, model: type[M], fields: dict[str, Any], action: AuditAction, actor: Any
) -> M:
    """Create or update a schema's one row of `model` (a settings row), audited."""
    with transaction.atomic():
        current = model.objects.select_for_update().first() or model()
        before = {name: getattr(current, name) for name in fields}
        for name, value in fields.items():
            setattr(current, name, value)
        current.full_clean()
        current.save()
        audit_record(actor=actor, action=action, obj=current, changes=audit_changes(before, fields))
    return current
