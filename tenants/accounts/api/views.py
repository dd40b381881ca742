from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tenants.accounts import selectors, services
from tenants.accounts.api.serializers import (
    PasswordResetSerializer,
    UserCreateSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from tenants.accounts.filtersets import UserFilter
from tenants.accounts.models import Role

WITH_PASSWORD = inline_serializer(
    "UserWithPassword", fields={"user": UserSerializer(), "password": serializers.CharField()}
)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The account's users (admins only). A password set here is in that answer only."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    read_role = Role.ADMIN
    write_role = Role.ADMIN

    def get_queryset(self):
        return selectors.user_list(filters=self.request.query_params)

    @extend_schema(request=UserCreateSerializer, responses={201: WITH_PASSWORD})
    def create(self, request):
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.tenant_user_create(**data.validated_data, actor=request.user)
        return Response(self._with_password(made), status=201)

    @extend_schema(request=UserUpdateSerializer, responses={200: UserSerializer})
    def partial_update(self, request, pk=None):
        """{role} and/or {is_active}: false deactivates (no login, sessions and tokens stop)."""
        data = UserUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = self.get_object()
        with transaction.atomic():
            if "role" in data.validated_data:
                user = services.tenant_user_role_set(
                    user=user, role=data.validated_data["role"], actor=request.user
                )
            if "is_active" in data.validated_data:
                user = services.tenant_user_active_set(
                    user=user, active=data.validated_data["is_active"], actor=request.user
                )
        return Response(UserSerializer(user).data)

    @extend_schema(request=PasswordResetSerializer, responses={200: WITH_PASSWORD})
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request, pk=None):
        data = PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.tenant_user_password_reset(
            user=self.get_object(), password=data.validated_data["password"], actor=request.user
        )
        return Response(self._with_password(made))

    @staticmethod
    def _with_password(made: services.UserPassword) -> dict:
        return {"user": UserSerializer(made.user).data, "password": made.password}
