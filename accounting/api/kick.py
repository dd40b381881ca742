"""Kick over the API: POST /api/sessions/{id}/kick/ (one session) and POST /api/sessions/kick/
{"username": ...} (every open session of a user); both 202 with the accounting.disconnect job.
Operators and admins (RolePermission: a viewer's POST is refused)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from accounting import kick
from accounting.models import Session
from radtik.api import accepted, accepted_schema


class UserKickSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=253)


class SessionKickViewSet(viewsets.GenericViewSet):
    queryset = Session.objects.all()
    serializer_class = UserKickSerializer  # what OPTIONS describes
    lookup_value_regex = r"\d+"

    @extend_schema(operation_id="sessions_kick", request=None, responses={202: accepted_schema()})
    @action(detail=True, methods=["post"])
    def kick(self, request, pk=None):
        """Disconnect this session at its router (Disconnect-Request, else the RouterOS API)."""
        session = get_object_or_404(Session, pk=pk)
        return accepted(kick.session_kick(session=session, actor=request.user), request)

    @extend_schema(
        operation_id="sessions_kick_user",
        request=UserKickSerializer,
        responses={202: accepted_schema()},
    )
    @action(detail=False, methods=["post"], url_path="kick")
    def kick_user(self, request):
        """Disconnect every open session of a user."""
        data = UserKickSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = kick.user_kick(username=data.validated_data["username"], actor=request.user)
        return accepted(job, request)
