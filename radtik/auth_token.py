"""POST /api/auth/token/: username + password -> {"token": ...} for `Authorization: Token ...`.

Tokens are django-rest-knox's: only a SHA-512 digest is stored, so a database dump holds no
usable token. Each call issues a new token (shown once); the response keeps the shape of DRF's
obtain_auth_token that clients already use.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from radtik.throttling import TokenThrottle


class ObtainToken(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(
        request=AuthTokenSerializer,
        responses=inline_serializer("Token", {"token": serializers.CharField()}),
    )
    def post(self, request):
        # django-axes reads (and marks a lockout on) the HttpRequest, not DRF's wrapper.
        credentials = AuthTokenSerializer(data=request.data, context={"request": request._request})
        credentials.is_valid(raise_exception=True)
        _, token = AuthToken.objects.create(user=credentials.validated_data["user"])
        return Response({"token": token})
