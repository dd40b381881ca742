"""Every ModelAdmin of both domains writes through a service, or not at all.

What counts as a write in the admin, for a superuser on the domain where the model is shown:
- add or change (has_add/has_change_permission): `save_model` is ours and calls a service;
  an editable many-to-many field needs our own `save_related` (the stock one saves it directly);
- delete (has_delete_permission): `delete_model` (one object) and `delete_queryset` (the stock
  "delete selected" action) are ours and call services;
- every other bulk action calls a service;
- inlines write through formsets: they must be read-only;
- a password page (UserAdmin) saves through its form: that form's `save` calls a service.
"Calls a service" is: the function names a function, or module, of a `services` module.
"""

from __future__ import annotations

import inspect
import types

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.test import RequestFactory
from django_tenants.utils import schema_context

from radtik.admin_site import ReadOnlyAdmin, app_visible_here
from tenants.accounts.models import User
from vouchers.models import Voucher

pytestmark = pytest.mark.django_db(transaction=False)


def _is_service(value) -> bool:
    if inspect.ismodule(value):
        return value.__name__.endswith(".services")
    return callable(value) and getattr(value, "__module__", "").endswith(".services")


def calls_a_service(func) -> bool:
    func = inspect.unwrap(func)
    codes, names = [func.__code__], set()
    while codes:
        code = codes.pop()
        names |= set(code.co_names)
        codes += [const for const in code.co_consts if isinstance(const, types.CodeType)]
    return any(_is_service(func.__globals__.get(name)) for name in names)


def _ours_through_service(owner: type, name: str) -> bool:
    method = getattr(owner, name)
    return not method.__module__.startswith("django.") and calls_a_service(method)


def write_paths_around_services(model_admin: admin.ModelAdmin, request) -> list[str]:
    """What in this ModelAdmin can write without a service: empty when nothing can."""
    owner, problems = type(model_admin), []
    blank = model_admin.model()
    if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
        if not _ours_through_service(owner, "save_model"):
            problems.append("saves without a service (save_model)")
        fields = {
            *flatten_fieldsets(model_admin.get_fieldsets(request)),
            *flatten_fieldsets(model_admin.get_fieldsets(request, blank)),
        }
        editable_m2m = fields & {field.name for field in model_admin.opts.many_to_many}
        if editable_m2m and owner.save_related.__module__.startswith("django."):
            problems.append(f"saves {sorted(editable_m2m)} directly (save_related)")
    if model_admin.has_delete_permission(request):
        for name in ("delete_model", "delete_queryset"):
            if not _ours_through_service(owner, name):
                problems.append(f"deletes without a service ({name})")
    for name, (func, *_) in model_admin.get_actions(request).items():
        if name != "delete_selected" and not calls_a_service(func):
            problems.append(f"action {name} calls no service")
    for inline in model_admin.get_inline_instances(request, blank):
        if (
            inline.has_add_permission(request, blank)
            or inline.has_change_permission(request, blank)
            or inline.has_delete_permission(request, blank)
        ):
            problems.append(f"inline {type(inline).__name__} writes through its formset")
    password_form = getattr(model_admin, "change_password_form", None)
    if password_form is not None and not _ours_through_service(password_form, "save"):
        problems.append("its password page saves without a service")
    return problems


def superuser_request(schema: str):
    request = RequestFactory().get("/admin/", HTTP_HOST=f"{schema}.localhost")
    request.user = User(username="root", is_superuser=True, is_staff=True, is_active=True)
    return request


@pytest.mark.parametrize("schema", ["alpha", "public"])
def test_no_model_admin_writes_around_a_service(tenants, schema):
    found = {}
    with schema_context(schema):
        request = superuser_request(schema)
        shown = [
            (model, model_admin)
            for model, model_admin in admin.site._registry.items()
            if app_visible_here(model._meta.app_label)
        ]
        for model, model_admin in shown:
            if problems := write_paths_around_services(model_admin, request):
                found[model._meta.label] = problems
    assert len(shown) > 5  # the walk saw this domain's registry
    assert found == {}


def test_the_check_flags_a_stock_admin_and_passes_a_read_only_one(tenants):
    class ReadOnlyVoucherAdmin(ReadOnlyAdmin, admin.ModelAdmin):
        pass

    with schema_context("alpha"):
        request = superuser_request("alpha")
        stock = write_paths_around_services(admin.ModelAdmin(Voucher, admin.site), request)
        locked = write_paths_around_services(ReadOnlyVoucherAdmin(Voucher, admin.site), request)
    assert stock == [
        "saves without a service (save_model)",
        "deletes without a service (delete_model)",
        "deletes without a service (delete_queryset)",
    ]
    assert locked == []
