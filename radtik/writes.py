"""The shared body of the plain `<entity>_create` / `_update` / `_delete` services: validated,
audited creates, field edits and deletes of one row. Services with rules of their own do not use
it. And rows_update: many rows' fields saved in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection, models, transaction

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


def rows_update(objs: Sequence[models.Model], fields: list[str]) -> None:
    """Save `fields` of many rows of one model in one UPDATE ... FROM unnest(...). Django's
    bulk_update builds a CASE per field and row: a third of settling a batch of payments."""
    if not objs:
        return
    meta = objs[0]._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    names = [quote(column.column) for column in columns]
    arrays = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
    assignments = ", ".join(f"{name} = u.{name}" for name in names[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
            f"FROM unnest({arrays}) AS u ({', '.join(names)}) WHERE t.{names[0]} = u.{names[0]}",
            [
                [column.get_db_prep_save(getattr(obj, column.attname), connection) for obj in objs]
                for column in columns
            ],
        )
