from drf_spectacular.utils import extend_schema
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
from vouchers.filtersets import VoucherBatchFilter, VoucherFilter, VoucherProfileFilter


class VoucherProfileViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = VoucherProfileSerializer
    filterset_class = VoucherProfileFilter
    write_role = Role.ADMIN

    def get_queryset(self):
        return selectors.profile_list(filters=self.request.query_params)

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
    serializer_class = VoucherBatchSerializer
    filterset_class = VoucherBatchFilter

    def get_queryset(self):
        return selectors.batch_list(filters=self.request.query_params)

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
    filterset_class = VoucherFilter

    def get_queryset(self):
        return selectors.voucher_list(filters=self.request.query_params)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        job = services.voucher_set_disabled(vouchers=[self.get_object()], actor=request.user)
        return accepted(job, request)
