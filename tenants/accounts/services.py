"""Users of a schema (tenant staff, or system admins in public): created, changed, deleted and
given passwords only here, so each is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_record
from radtik.writes import fields_update, row_create, row_delete
from tenants.accounts.models import User


def user_create(*, username: str, password: str | None, actor: Any = None, **fields: Any) -> User:
    """`password` None: the user cannot log in with a password."""
    user = User(username=username, **fields)
    _set_password(user, password)
    return row_create(
        obj=user,
        action=AuditAction.USER_CREATE,
        actor=actor,
        changes={name: str(value) for name, value in fields.items()},
    )


def user_update(*, user: User, actor: Any = None, **fields: Any) -> User:
    return fields_update(obj=user, fields=fields, action=AuditAction.USER_UPDATE, actor=actor)


def user_set_password(*, user: User, password: str | None, actor: Any = None) -> User:
    with transaction.atomic():
        _set_password(user, password)
        user.save(update_fields=["password"])
        audit_record(actor=actor, action=AuditAction.USER_SET_PASSWORD, obj=user)
    return user


def user_delete(*, user: User, actor: Any = None) -> None:
    row_delete(obj=user, action=AuditAction.USER_DELETE, actor=actor)


def _set_password(user: User, password: str | None) -> None:
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
