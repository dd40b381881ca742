"""The Users page: the account's admins add users with a role, change roles, deactivate and
reset passwords. Thin: every write is a tenants.accounts.services call, as in /api/users/."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from radtik.lists import list_page
from radtik.pages import action_post, form_errors_add
from radtik.permissions import role_required
from tenants.accounts import selectors, services
from tenants.accounts.filtersets import UserFilter
from tenants.accounts.forms import UserCreateForm, UserPasswordForm, UserRoleForm
from tenants.accounts.models import Role, User
from tenants.accounts.services import UserPassword


def _shown_once(request: HttpRequest, made: UserPassword, doing: str, status: int) -> HttpResponse:
    """The password on this answer only (never a redirect to a page that could show it again)."""
    context = {"made": made, "doing": doing}
    return render(request, "accounts/password_once.html", context, status=status)


@never_cache
@role_required(Role.ADMIN)
def user_list(request: HttpRequest) -> HttpResponse:
    # Ids apart from the filter form's (both have username and role).
    form = UserCreateForm(request.POST or None, auto_id="new_%s")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                made = services.tenant_user_create(**form.cleaned_data, actor=request.user)
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                return _shown_once(request, made, "added", 201)
        status = 400
    listing = list_page(request, select=selectors.user_list, filterset_class=UserFilter)
    context = {"users": listing.page, "listing": listing, "form": form}
    return render(request, "accounts/users.html", context, status=max(status, listing.status))


def _user_page(
    request: HttpRequest, user: User, *, password_form: UserPasswordForm | None = None
) -> HttpResponse:
    context = {
        "account": user,
        "role_form": UserRoleForm(initial={"role": user.role}),
        "password_form": password_form or UserPasswordForm(),
        "is_self": user.pk == request.user.pk,
    }
    status = 400 if password_form is not None and password_form.errors else 200
    return render(request, "accounts/user.html", context, status=status)


@role_required(Role.ADMIN)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _user_page(request, get_object_or_404(User, pk=pk))


@require_POST
@role_required(Role.ADMIN)
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    role = request.POST.get("role", "")
    return action_post(
        request,
        act=lambda: services.tenant_user_role_set(user=user, role=role, actor=request.user),
        done=reverse("user-detail", args=[user.pk]),
        message=lambda saved: f"{saved.username} is now {saved.get_role_display()}.",
    )


@require_POST
@role_required(Role.ADMIN)
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    return action_post(
        request,
        act=lambda: services.tenant_user_active_set(user=user, active=active, actor=request.user),
        done=reverse("user-detail", args=[user.pk]),
        message=f"{user.username} {'reactivated' if active else 'deactivated'}.",
    )


@require_POST
@never_cache
@role_required(Role.ADMIN)
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = UserPasswordForm(request.POST)
    if form.is_valid():
        try:
            made = services.tenant_user_password_reset(
                user=user, password=form.cleaned_data["password"], actor=request.user
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            return _shown_once(request, made, "given a new password", 200)
    return _user_page(request, user, password_form=form)
