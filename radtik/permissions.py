"""Role checks shared by API views and pages.

Tenant users: viewer reads, operator runs day-to-day writes, admin manages the account. On the
public schema (the base domain) only system admins (staff) get in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django_tenants.utils import get_public_schema_name
from rest_framework.permissions import SAFE_METHODS, BasePermission

from tenants.accounts.models import Role


def user_has_role(user, role: str) -> bool:
    if not user or not user.is_authenticated:
        return False
    if connection.schema_name == get_public_schema_name():
        return user.is_active and user.is_staff
    return user.has_role(role)


class RolePermission(BasePermission):
    """Views set `read_role` / `write_role` (defaults: viewer reads, operator writes)."""

    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            needed = getattr(view, "read_role", Role.VIEWER)
        else:
            needed = getattr(view, "write_role", Role.OPERATOR)
        return user_has_role(request.user, needed)


def role_required(role: str) -> Callable:
    """Page decorator: login first, then 403 with a clear page for a too-small role."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            from tenants.middleware import error_response

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_role(request.user, role):
                return error_response(
                    request, 403, "Not allowed", f"This page needs the {role} role."
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
