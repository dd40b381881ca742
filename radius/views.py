"""RADIUS server pages: list, add (the token shown once), edit, delete, test the connection.
Thin: every write is a radius.services call, as in the API."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from radius import selectors, services
from radius.filtersets import RadiusServerFilter
from radius.forms import RadiusServerEditForm, RadiusServerForm
from radius.models import RadiusServer
from radtik.lists import list_page
from radtik.pages import action_post, edit_page, form_errors_add
from radtik.permissions import role_required, user_has_role
from tenants.accounts.models import Role

BACK = {"back_label": "RADIUS servers"}


@role_required(Role.VIEWER)
def server_list(request: HttpRequest) -> HttpResponse:
    listing = list_page(
        request, select=selectors.radius_server_list, filterset_class=RadiusServerFilter
    )
    context = {
        "servers": listing.page,
        "listing": listing,
        "can_admin": user_has_role(request.user, Role.ADMIN),
    }
    return render(request, "radius/servers.html", context, status=listing.status)


@never_cache
@role_required(Role.ADMIN)
def server_create(request: HttpRequest) -> HttpResponse:
    """On success the token is on this answer, the only time it is shown (never a redirect to
    a page that could show it again)."""
    form = RadiusServerForm(request.POST or None)
    back = {"back": reverse("radius-servers"), **BACK}
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            made = services.radius_server_create(**data, actor=request.user)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            context = {"server": made.server, "token": made.token, **back}
            return render(request, "radius/created.html", context, status=201)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": "New RADIUS server", **back}
    return render(request, "pages/form.html", context, status=status)


@role_required(Role.ADMIN)
def server_edit(request: HttpRequest, pk: int) -> HttpResponse:
    server = get_object_or_404(RadiusServer, pk=pk)
    return edit_page(
        request,
        form=RadiusServerEditForm(request.POST or None, instance=server),
        update=lambda stored, **changed: services.radius_server_update(
            server=stored, actor=request.user, **changed
        ),
        title=f"RADIUS server {server}",
        done=reverse("radius-servers"),
        message=lambda saved: f"RADIUS server {saved} saved.",
        template="radius/server_edit.html",
        context={"server": server, "back": reverse("radius-servers"), **BACK},
    )


@require_POST
@role_required(Role.ADMIN)
def server_delete(request: HttpRequest, pk: int) -> HttpResponse:
    server = get_object_or_404(RadiusServer, pk=pk)
    return action_post(
        request,
        act=lambda: services.radius_server_delete(server=server, actor=request.user),
        done=reverse("radius-servers"),
        message=f"RADIUS server {server} deleted.",
        back=reverse("radius-server", args=[server.pk]),
    )


@require_POST
@role_required(Role.ADMIN)
def server_test(request: HttpRequest, pk: int) -> HttpResponse:
    server = get_object_or_404(RadiusServer, pk=pk)
    job = services.radius_server_test_start(server=server, actor=request.user)
    return redirect("job-page", pk=job.pk)
