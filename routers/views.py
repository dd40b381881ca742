"""Router pages: the list with live status badges, and the router page (the onboarding wizard).

Thin: every write goes through routers.services, like the API. Other apps add their stages to
the router page with router_page_part_add (provisioning: stages 3-5), so routers imports none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from radtik.jobs.fragments import job_slot_id
from radtik.jobs.models import Job
from radtik.jobs.registry import JobKind
from radtik.jobs.services import job_target_topic
from radtik.lists import list_page
from radtik.pages import edit_page, form_errors_add
from radtik.permissions import role_required, user_has_role
from routers import selectors, services
from routers.choices import ImportWhat
from routers.events import router_topic
from routers.filtersets import RouterFilter
from routers.forms import RouterCreateForm, RouterEditForm
from routers.models import Router, RouterHealth
from routers.samples import router_samples
from routers.tasks import ImportFromRouter, ProbeRouter
from tenants.accounts.models import Role

IMPORT_MENUS = ("pools", "profiles", "secrets")
NEW_IDS = "new_%s"  # the add form's field ids, apart from the filter form's (both have name)


@dataclass(frozen=True)
class RouterPagePart:
    """Stages another app shows on the router page, after probing.

    `template` is included with the page's context, to which `context(router, state)` adds its
    own (`state`: what the app's own view passed to router_page, e.g. a form's errors); `jobs`
    names the job kinds whose newest job the part shows, as `jobs.<name>`."""

    template: str
    context: Callable[[Router, dict[str, Any]], dict[str, Any]]
    jobs: dict[str, JobKind] = field(default_factory=dict)


_page_parts: list[RouterPagePart] = []


def router_page_part_add(part: RouterPagePart) -> None:
    if part not in _page_parts:
        _page_parts.append(part)


ROUTER_TARGET = Router._meta.label_lower  # a router's jobs' target_type


def latest_jobs(router: Router, kinds: dict[str, JobKind]) -> dict[str, Job | None]:
    """The newest job of each kind for this router: a reopened page shows where things stand."""
    jobs = Job.objects.filter(target_type=ROUTER_TARGET, target_id=str(router.pk))
    return {name: jobs.filter(kind=kind.name).first() for name, kind in kinds.items()}


def _roles(request: HttpRequest) -> dict[str, bool]:
    return {
        "can_operate": user_has_role(request.user, Role.OPERATOR),
        "can_admin": user_has_role(request.user, Role.ADMIN),
    }


@role_required(Role.VIEWER)
def router_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return router_create(request)
    return _list(request, RouterCreateForm(auto_id=NEW_IDS))


def _list(request: HttpRequest, form: RouterCreateForm, status: int = 200) -> HttpResponse:
    listing = list_page(request, select=selectors.router_list, filterset_class=RouterFilter)
    context = {"routers": listing.page, "listing": listing, "form": form, **_roles(request)}
    return render(request, "routers/list.html", context, status=max(status, listing.status))


@never_cache
@role_required(Role.ADMIN)
def router_create(request: HttpRequest) -> HttpResponse:
    """On success the wizard is rendered here, with the token and script: the only time
    they are shown (the router page never reads them back)."""
    form = RouterCreateForm(request.POST, auto_id=NEW_IDS)
    if form.is_valid():
        try:
            made = services.router_create(**form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            return router_page(request, made.router, created=made, status=201)
    return _list(request, form, status=400)


@role_required(Role.VIEWER)
def router_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return router_page(request, get_object_or_404(Router, pk=pk))


def router_page(
    request: HttpRequest,
    router: Router,
    *,
    created: services.RouterCreation | None = None,
    state: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The router page; `state` goes to the parts (see RouterPagePart)."""
    kinds = {"probe": ProbeRouter, "import": ImportFromRouter}
    for part in _page_parts:
        kinds.update(part.jobs)
    jobs = latest_jobs(router, kinds)
    # The router's jobs come on one topic: those shown, and those started after the page loaded
    # (through the API, another page, a schedule), which take their kind's slot.
    topics = [router_topic(router), job_target_topic(ROUTER_TARGET, router.pk)]
    slots = {name: job_slot_id(ROUTER_TARGET, router.pk, kind.name) for name, kind in kinds.items()}
    health = RouterHealth.objects.filter(router=router).first()
    context = {
        "router": router,
        "health": health,
        "samples": router_samples(router) if health else None,
        "interval": getattr(request.tenant, "router_health_interval", None),
        "created": created,
        "jobs": jobs,
        "slots": slots,
        "topics": ",".join(topics),
        "import_results": _import_results(jobs["import"]),
        "import_choices": ImportWhat.choices,
        "parts": [part.template for part in _page_parts],
        **_roles(request),
    }
    for part in _page_parts:
        context.update(part.context(router, state or {}))
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
    return router_page(request, made.router, created=made)


@role_required(Role.ADMIN)
def router_edit(request: HttpRequest, pk: int) -> HttpResponse:
    router = get_object_or_404(Router, pk=pk)
    back = reverse("router-detail", args=[router.pk])
    return edit_page(
        request,
        form=RouterEditForm(request.POST or None, instance=router),
        update=lambda stored, **changed: services.router_update(
            router=stored, actor=request.user, **changed
        ),
        title=f"Edit router {router.name}",
        done=lambda saved: reverse("router-detail", args=[saved.pk]),
        message=lambda saved: f"Router {saved.name} saved.",
        template="routers/edit.html",
        context={"router": router, "back": back, "back_label": router.name},
    )


@require_POST
@role_required(Role.ADMIN)
def router_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Removal is a job (the RADIUS client is on the agent): its page shows it done."""
    router = get_object_or_404(Router, pk=pk)
    try:
        job = services.router_delete_start(router=router, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("router-detail", pk=router.pk)
    messages.success(request, f"Deleting router {router.name} (job #{job.pk}).")
    return redirect("job-page", pk=job.pk)


def job_start_and_return(
    request: HttpRequest, pk: int, start: Callable[[Router], Job], done: str
) -> HttpResponse:
    """Run a service that queues a job for the router; its refusal (router offline, …) becomes
    a message. Back to the router page either way."""
    router = get_object_or_404(Router, pk=pk)
    try:
        job = start(router)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{done} (job #{job.pk}).")
    return redirect("router-detail", pk=router.pk)


@require_POST
@role_required(Role.OPERATOR)
def router_probe(request: HttpRequest, pk: int) -> HttpResponse:
    return job_start_and_return(
        request,
        pk,
        lambda router: services.router_probe_start(router=router, actor=request.user),
        "Probing",
    )


@require_POST
@role_required(Role.ADMIN)
def router_repair_drift(request: HttpRequest, pk: int) -> HttpResponse:
    return job_start_and_return(
        request,
        pk,
        lambda router: services.router_drift_repair(router=router, actor=request.user),
        "Redeploy queued",
    )


@require_POST
@role_required(Role.OPERATOR)
def router_import(request: HttpRequest, pk: int) -> HttpResponse:
    what = request.POST.get("what", "")
    return job_start_and_return(
        request,
        pk,
        lambda router: services.router_import_start(router=router, what=what, actor=request.user),
        f"Import of {what} queued",
    )
