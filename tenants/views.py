from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from radtik.jobs.views import job_page_render
from radtik.lists import list_page
from radtik.pages import edit_page
from radtik.permissions import role_required, user_has_role
from tenants import selectors, services
from tenants.accounts.models import Role
from tenants.filtersets import TenantFilter
from tenants.forms import TenantCreateForm, TenantSettingsForm
from tenants.fragments import dashboard_context, platform_context
from tenants.middleware import error_response
from tenants.models import Tenant


@never_cache
@role_required(Role.ADMIN)
def platform_home(request):
    """System admin home on the base domain: tenants and a create form."""
    form = TenantCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            creation = services.tenant_create(**data, requested_by=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # The job page, answered here with the password: the only time it is shown (never
            # kept in the session nor behind a redirect that could show it again).
            shown_once = {
                "label": f"Password of {data['admin_username']} on {creation.tenant.slug}",
                "value": creation.admin_password,
            }
            return job_page_render(request, creation.job, shown_once=shown_once, status=201)
    listing = list_page(request, select=selectors.tenant_list, filterset_class=TenantFilter)
    context = {"tenants": listing.page, "listing": listing, "form": form, **platform_context()}
    return render(request, "tenants/platform_home.html", context, status=listing.status)


@role_required(Role.VIEWER)
def tenant_home(request):
    """The account's dashboard (tenants.dashboard), live over its websocket."""
    return render(request, "tenants/tenant_home.html", dashboard_context())


@role_required(Role.VIEWER)
def settings_page(request):
    """The account's settings: admins change them, other roles read them."""
    tenant = Tenant.objects.get(pk=request.tenant.pk)
    can_edit = user_has_role(request.user, Role.ADMIN)
    if request.method == "POST" and not can_edit:
        return error_response(request, 403, "Not allowed", "Only an admin can change settings.")
    form = TenantSettingsForm(request.POST or None, instance=tenant)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return edit_page(
        request,
        form=form,
        update=lambda stored, **changed: services.tenant_settings_update(
            tenant=stored, actor=request.user, **changed
        ),
        title="Account settings",
        done=reverse("settings"),
        message="Settings saved.",
        template="tenants/settings.html",
        context={"can_edit": can_edit},
    )
