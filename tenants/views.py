from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from radtik.jobs.selectors import job_list
from radtik.lists import list_page
from radtik.permissions import role_required
from tenants import selectors, services
from tenants.accounts.models import Role
from tenants.filtersets import TenantFilter
from tenants.forms import TenantCreateForm


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
            request.session["new_tenant_password"] = creation.admin_password
            return redirect("job-page", pk=creation.job.pk)
    listing = list_page(request, select=selectors.tenant_list, filterset_class=TenantFilter)
    context = {"tenants": listing.page, "listing": listing, "form": form}
    return render(request, "tenants/platform_home.html", context, status=listing.status)


@role_required(Role.VIEWER)
def tenant_home(request):
    return render(request, "tenants/tenant_home.html", {"jobs": job_list()[:10]})
