"""The kick buttons' POST targets (accounting/partials/kick_button.html): queue the disconnect
job and go back to the online users with its number, or the refusal in words."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounting import kick
from accounting.models import Session
from radtik.pages import action_post
from radtik.permissions import role_required
from tenants.accounts.models import Role


@require_POST
@role_required(Role.OPERATOR)
def session_kick(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session, pk=pk)
    return action_post(
        request,
        act=lambda: kick.session_kick(session=session, actor=request.user),
        done=reverse("sessions-online"),
        message=lambda job: f"Disconnecting {session.username} (job #{job.pk}).",
    )


@require_POST
@role_required(Role.OPERATOR)
def user_kick(request: HttpRequest) -> HttpResponse:
    username = request.POST.get("username", "")
    return action_post(
        request,
        act=lambda: kick.user_kick(username=username, actor=request.user),
        done=reverse("sessions-online"),
        message=lambda job: f"Disconnecting every session of {username} (job #{job.pk}).",
    )
