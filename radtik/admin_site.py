"""One admin site for the public schema (system admins) and every tenant schema."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db import connection
from django_tenants.utils import get_public_schema_name

TENANT_ONLY_APP_LABELS = {"radius", "vouchers", "routers", "provisioning", "billing"}


def in_public_schema() -> bool:
    return connection.schema_name == get_public_schema_name()


def app_visible_here(app_label: str) -> bool:
    """Public-only apps are hidden on tenant domains (search_path still reaches public tables)."""
    public_only = {label.rsplit(".", 1)[-1] for label in settings.PUBLIC_ONLY_APPS}
    if app_label in public_only:
        return in_public_schema()
    if app_label in TENANT_ONLY_APP_LABELS:
        return not in_public_schema()
    return True


class RadtikAdminSite(admin.AdminSite):
    site_header = "radtik administration"
    site_title = "radtik"

    def _build_app_dict(self, request, label=None):
        app_dict = super()._build_app_dict(request, label)
        if label:
            return app_dict if app_visible_here(label) else {}
        return {key: value for key, value in app_dict.items() if app_visible_here(key)}

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            from django.http import Http404

            model_admin = getattr(view, "__self__", None)
            opts = getattr(model_admin, "opts", None)
            if opts is not None and not app_visible_here(opts.app_label):
                raise Http404("Not available on this domain")
            return inner(request, *args, **kwargs)

        return guarded


class ReadOnlyAdmin:
    """Shown, never written here: the model changes only through its services (or not at all).
    A mixin for ModelAdmins and inlines alike (their permission methods take different args)."""

    actions = None  # no bulk action, the stock "delete selected" included

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Third-party admins that would write around radtik's services: roles replace groups, API
# tokens are made at /api/auth/token/, login lockouts are django-axes' own records (reset them
# with `manage.py axes_reset`), and django-q's rows are the jobs' broker and schedules.
READ_ONLY_THIRD_PARTY = {
    "auth.Group",
    "knox.AuthToken",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
    "django_q.Schedule",
    "django_q.Success",
    "django_q.Failure",
    "django_q.OrmQ",
}


def lock_third_party_admins(site: admin.AdminSite) -> None:
    """Re-register the READ_ONLY_THIRD_PARTY admins as read-only versions of themselves (an app
    left out of INSTALLED_APPS is skipped; the admin-registry test finds what is missed)."""
    for model in [m for m in site._registry if m._meta.label in READ_ONLY_THIRD_PARTY]:
        original = type(site.get_model_admin(model))
        site.unregister(model)
        site.register(model, type(f"ReadOnly{original.__name__}", (ReadOnlyAdmin, original), {}))


def form_changes(form) -> tuple[Any, dict[str, Any]]:
    """The stored row an admin change form edits, and the model fields the form changed.

    ModelAdmin applies the form to the instance before save_model: services want the row as it
    is and the new values, to validate and record old and new."""
    instance = form.instance
    names = {field.name for field in instance._meta.concrete_fields}
    changed = {name: form.cleaned_data[name] for name in form.changed_data if name in names}
    return type(instance).objects.get(pk=instance.pk), changed
