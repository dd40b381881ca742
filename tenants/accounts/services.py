"""Users of a schema (tenant staff, or system admins in public): created, changed, deleted and
given passwords only here, so each is audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_record
from radtik.events import publish
from radtik.tenancy import current_tenant_id
from radtik.writes import fields_update, row_create, row_delete
from tenants.accounts.models import Role, User

USERS_TOPIC = "users"  # the Users page watches it


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
    """AUTH_PASSWORD_VALIDATORS on every path that sets one (the admin's forms check too; a
    command or a future page calling this cannot skip them)."""
    if password:
        validate_password(password, user)  # ValidationError: the reasons, for the form or API
        user.set_password(password)
    else:
        user.set_unusable_password()


# -- the account's users, as its admins manage them (the Users page and /api/users/) -----------
@dataclass(frozen=True)
class UserPassword:
    user: User
    password: str  # shown once, to the admin who set it; stored only hashed


def tenant_user_create(
    *, username: str, role: str, email: str = "", password: str = "", actor: Any = None
) -> UserPassword:
    """A new user of the account with a role; may use the admin as far as the role lets it.
    No password given: one is made. Either way it is checked by the password validators."""
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = ["Username is required."]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [f"A user named {username} already exists."]
    if role not in Role.values:
        errors["role"] = [f"Choose one of: {', '.join(Role.values)}."]
    if errors:
        raise ValidationError(errors)
    password = _password_checked(password, User(username=username, email=email))
    with transaction.atomic():
        user = user_create(
            username=username,
            password=password,
            actor=actor,
            email=email,
            role=role,
            is_staff=True,
        )
        _user_publish(user, "user.created")
    return UserPassword(user=user, password=password)


def tenant_user_role_set(*, user: User, role: str, actor: Any = None) -> User:
    if role not in Role.values:
        raise ValidationError({"role": [f"Choose one of: {', '.join(Role.values)}."]})
    if role != Role.ADMIN:
        _keep_an_admin(user, actor, f"change the role of {user.username}")
    with transaction.atomic():
        user = user_update(user=user, actor=actor, role=role)
        _user_publish(user, "user.changed")
    return user


def tenant_user_active_set(*, user: User, active: bool, actor: Any = None) -> User:
    """Deactivated: cannot log in, its sessions and API tokens stop working (Django's and
    knox's authentication refuse an inactive user); reactivating gives them back."""
    if not active:
        _keep_an_admin(user, actor, f"deactivate {user.username}")
    with transaction.atomic():
        user = user_update(user=user, actor=actor, is_active=active)
        _user_publish(user, "user.changed")
    return user


def tenant_user_password_reset(
    *, user: User, password: str = "", actor: Any = None
) -> UserPassword:
    """A new password (made, or the one given, validated): the user's other sessions end."""
    password = _password_checked(password, user)
    with transaction.atomic():
        user_set_password(user=user, password=password, actor=actor)
        _user_publish(user, "user.password_reset")
    return UserPassword(user=user, password=password)


def _password_checked(password: str, user: User) -> str:
    password = password or secrets.token_urlsafe(12)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    return password


def _is_admin(user: User) -> bool:
    return user.is_active and (user.is_superuser or user.role == Role.ADMIN)


def _keep_an_admin(user: User, actor: Any, doing: str) -> None:
    """No account is left without an active admin, and no admin locks themself out."""
    if getattr(actor, "pk", None) == user.pk:
        raise ValidationError(f"You cannot {doing} yourself: ask another admin.")
    if not _is_admin(user):
        return
    others = User.objects.filter(is_active=True).exclude(pk=user.pk)
    if not others.filter(Q(is_superuser=True) | Q(role=Role.ADMIN)).exists():
        raise ValidationError(f"Cannot {doing}: the account would be left without an admin.")


def _user_publish(user: User, event: str) -> None:
    payload = {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "role": user.role,
        "is_active": user.is_active,
    }
    publish(current_tenant_id(), USERS_TOPIC, event, payload)
