from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from radtik.api import accepted, accepted_schema
from tenants import selectors, services
from tenants.accounts.models import Role
from tenants.api.serializers import (
    TenantCreateSerializer,
    TenantSerializer,
    TenantSettingsSerializer,
    TenantStatusSerializer,
)
from tenants.filtersets import TenantFilter
from tenants.models import Tenant


class TenantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tenants of the platform (system admins, base domain only)."""

    serializer_class = TenantSerializer
    filterset_class = TenantFilter

    def get_queryset(self):
        return selectors.tenant_list(filters=self.request.query_params)

    @extend_schema(
        request=TenantCreateSerializer,
        responses={
            202: accepted_schema(
                "TenantCreation", tenant=TenantSerializer(), admin_password=serializers.CharField()
            )
        },
    )
    def create(self, request):
        data = TenantCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        creation = services.tenant_create(**data.validated_data, requested_by=request.user)
        return accepted(
            creation.job,
            request,
            tenant=TenantSerializer(creation.tenant).data,
            # Shown once, to the system admin who asked; never stored in clear.
            admin_password=creation.admin_password,
        )

    @extend_schema(request=TenantStatusSerializer, responses=TenantSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        data = TenantStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = services.tenant_set_status(
            tenant=self.get_object(), status=data.validated_data["status"], actor=request.user
        )
        return Response(TenantSerializer(tenant).data)


class TenantSettingsView(generics.GenericAPIView):
    """The account's settings: every user reads them, admins change them (PATCH)."""

    serializer_class = TenantSettingsSerializer
    write_role = Role.ADMIN

    def get_object(self):
        return Tenant.objects.get(pk=self.request.tenant.pk)  # fresh: the request's is cached

    def get(self, request):
        return Response(self.get_serializer(self.get_object()).data)

    def patch(self, request):
        data = self.get_serializer(self.get_object(), data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        tenant = services.tenant_settings_update(
            tenant=data.instance, actor=request.user, **data.validated_data
        )
        return Response(self.get_serializer(tenant).data)
