from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from radtik.api import accepted
from tenants import selectors, services
from tenants.api.serializers import (
    TenantCreateSerializer,
    TenantSerializer,
    TenantStatusSerializer,
)
from tenants.filtersets import TenantFilter


class TenantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tenants of the platform (system admins, base domain only)."""

    serializer_class = TenantSerializer
    filterset_class = TenantFilter

    def get_queryset(self):
        return selectors.tenant_list(filters=self.request.query_params)

    @extend_schema(request=TenantCreateSerializer, responses={202: TenantSerializer})
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
