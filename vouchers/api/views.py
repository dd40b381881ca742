from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from radtik.api import accepted
from tenants.accounts.models import Role
from vouchers import selectors, services
from vouchers.api.serializers import (
    VoucherBatchCreateSerializer,
    VoucherBatchSerializer,
    VoucherProfileSerializer,
    VoucherSerializer,
)
from vouchers.models import VoucherBatch, VoucherProfile


class VoucherProfileViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = VoucherProfile.objects.all()
    serializer_class = VoucherProfileSerializer
    write_role = Role.ADMIN

    def perform_create(self, serializer):
        serializer.instance = services.profile_create(
            actor=self.request.user, **serializer.validated_data
        )


class VoucherBatchViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = VoucherBatch.objects.select_related("profile", "radius_server")
    serializer_class = VoucherBatchSerializer

    @extend_schema(request=VoucherBatchCreateSerializer, responses={202: VoucherBatchSerializer})
    def create(self, request):
        data = VoucherBatchCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.batch_create(**data.validated_data, actor=request.user)
        return accepted(made.job, request, batch=VoucherBatchSerializer(made.batch).data)

    @extend_schema(request=None, responses={202: VoucherBatchSerializer})
    @action(detail=True, methods=["post"], url_path="retry-failed")
    def retry_failed(self, request, pk=None):
        job = services.batch_sync(batch=self.get_object(), only_failed=True, actor=request.user)
        return accepted(job, request)

    @extend_schema(request=None, responses={202: VoucherBatchSerializer})
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        batch = self.get_object()
        job = services.voucher_set_disabled(vouchers=list(batch.vouchers.all()), actor=request.user)
        return accepted(job, request) if job else Response(status=204)

    def destroy(self, request, *args, **kwargs):
        job = services.batch_delete(batch=self.get_object(), actor=request.user)
        return accepted(job, request) if job else Response(status=204)


class VoucherViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = VoucherSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.voucher_list(
            batch=params.get("batch"),
            status=params.get("status"),
            sync_status=params.get("sync_status"),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("batch", int),
            OpenApiParameter("status", str),
            OpenApiParameter("sync_status", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        job = services.voucher_set_disabled(vouchers=[self.get_object()], actor=request.user)
        return accepted(job, request)
