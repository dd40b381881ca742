"""Router pages: the list with live status badges, and the five-stage onboarding wizard.

Thin: every write goes through routers.services / provisioning.services, like the API.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from provisioning.services import DEPLOY_KIND, DISCOVER_KIND
from provisioning.views import service_form_context, start_and_return
from radtik.jobs.models import Job
from radtik.permissions import role_required, user_has_role
from routers import services
from routers.choices import IMPORT_KIND, PROBE_KIND, ImportWhat
from routers.models import Router
from tenants.accounts.models import Role

IMPORT_MENUS = ("pools", "profiles", "secrets")


class RouterCreateForm(forms.Form):
    """Only the shape of the input; the rules (name, uniqueness, port) live in router_create."""

    name = forms.CharField(max_length=100, help_text="Becomes the router's identity.")
    host = forms.CharField(max_length=255, help_text="Address radtik reaches the API on.")
    api_port = forms.IntegerField(required=False, help_text="Empty: 8728, or 8729 with TLS.")
    use_tls = forms.BooleanField(required=False, label="API over TLS (api-ssl)")


def latest_jobs(router: Router) -> dict[str, Job | None]:
    """The newest job of each kind for this router: a reopened page shows where things stand."""
    jobs = Job.objects.filter(target_type="routers.router", target_id=str(router.pk))
    return {
        name: jobs.filter(kind=kind).first()
        for name, kind in (
            ("probe", PROBE_KIND),
            ("discover", DISCOVER_KIND),
            ("deploy", DEPLOY_KIND),
            ("import", IMPORT_KIND),
        )
    }


def _roles(request: HttpRequest) -> dict[str, bool]:
    return {
        "can_operate": user_has_role(request.user, Role.OPERATOR),
        "can_admin": user_has_role(request.user, Role.ADMIN),
    }


@role_required(Role.VIEWER)
def router_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return router_create(request)
    return _list(request, RouterCreateForm())


def _list(request: HttpRequest, form: RouterCreateForm, status: int = 200) -> HttpResponse:
    context = {"routers": Router.objects.all(), "form": form, **_roles(request)}
    return render(request, "routers/list.html", context, status=status)


@never_cache
@role_required(Role.ADMIN)
def router_create(request: HttpRequest) -> HttpResponse:
    """On success the wizard is rendered here, with the token and script: the only time
    they are shown (the router page never reads them back)."""
    form = RouterCreateForm(request.POST)
    if form.is_valid():
        try:
            made = services.router_create(**form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return _detail(request, made.router, created=made, status=201)
    return _list(request, form, status=400)


@role_required(Role.VIEWER)
def router_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(Router, pk=pk))


def _detail(
    request: HttpRequest,
    router: Router,
    *,
    created: services.RouterCreation | None = None,
    service_data: dict | None = None,
    service_errors: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    jobs = latest_jobs(router)
    topics = [f"router.{router.pk}"] + [f"job.{job.pk}" for job in jobs.values() if job]
    context = {
        "router": router,
        "created": created,
        "jobs": jobs,
        "topics": ",".join(topics),
        "import_results": _import_results(jobs["import"]),
        "import_choices": ImportWhat.choices,
        **service_form_context(router, data=service_data, errors=service_errors),
        **_roles(request),
    }
    return render(request, "routers/detail.html", context, status=status)


def _import_results(job: Job | None) -> list[dict]:
    if job is None or job.status != "succeeded" or not isinstance(job.result, dict):
        return []
    return [
        {"menu": menu, **job.result[menu]}
        for menu in IMPORT_MENUS
        if isinstance(job.result.get(menu), dict)
    ]


@require_POST
@never_cache
@role_required(Role.ADMIN)
def router_rotate_token(request: HttpRequest, pk: int) -> HttpResponse:
    router = get_object_or_404(Router, pk=pk)
    made = services.router_rotate_token(router=router, actor=request.user)
    return _detail(request, made.router, created=made)


@require_POST
@role_required(Role.OPERATOR)
def router_probe(request: HttpRequest, pk: int) -> HttpResponse:
    return start_and_return(
        request,
        pk,
        lambda router: services.router_probe_start(router=router, actor=request.user),
        "Probing",
    )


@require_POST
@role_required(Role.OPERATOR)
def router_import(request: HttpRequest, pk: int) -> HttpResponse:
    what = request.POST.get("what", "")
    return start_and_return(
        request,
        pk,
        lambda router: services.router_import_start(router=router, what=what, actor=request.user),
        f"Import of {what} queued",
    )
