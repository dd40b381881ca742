"""One admin site for the public schema (system admins) and every tenant schema."""

from __future__ import annotations

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
