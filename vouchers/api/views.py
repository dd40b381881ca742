from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action

from radtik.api import accepted, accepted_schema
from radtik.money import tenant_currency
from tenants.accounts.models import Role
from vouchers import selectors, services
from vouchers.api.serializers import (
    SheetPrintSerializer,
    VoucherBatchCreateSerializer,
    VoucherBatchSerializer,
    VoucherProfileSerializer,
    VoucherSelectionSerializer,
    VoucherSerializer,
)
from vouchers.filtersets import VoucherBatchFilter, VoucherFilter, VoucherProfileFilter


class VoucherProfileViewSet(viewsets.ModelViewSet):
    serializer_class = VoucherProfileSerializer
    filterset_class = VoucherProfileFilter
    write_role = Role.ADMIN

    def get_queryset(self):
        return selectors.profile_list(filters=self.request.query_params)

    def perform_create(self, serializer):
        serializer.instance = services.profile_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.profile_update(
            profile=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.profile_delete(profile=instance, actor=self.request.user)


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

    @extend_schema(
        request=VoucherBatchCreateSerializer,
        responses={202: accepted_schema("BatchAccepted", batch=VoucherBatchSerializer())},
    )
    def create(self, request):
        data = VoucherBatchCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.batch_create(**data.validated_data, actor=request.user)
        return accepted(made.job, request, batch=VoucherBatchSerializer(made.batch).data)

    @extend_schema(request=None, responses={202: accepted_schema()})
    @action(detail=True, methods=["post"], url_path="retry-failed")
    def retry_failed(self, request, pk=None):
        job = services.batch_sync(batch=self.get_object(), only_failed=True, actor=request.user)
        return accepted(job, request)

    @extend_schema(request=None, responses={202: accepted_schema()})
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        job = services.vouchers_bulk_disable(batch=self.get_object(), actor=request.user)
        return accepted(job, request)

    @extend_schema(request=SheetPrintSerializer, responses={202: accepted_schema()})
    @action(detail=True, methods=["post"], url_path="print")
    def print_file(self, request, pk=None):
        """The whole batch as a print-ready HTML file: the job's result links its download."""
        options = SheetPrintSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        job = services.sheet_print_start(
            batch=self.get_object(),
            currency=tenant_currency(),
            actor=request.user,
            **options.validated_data,
        )
        return accepted(job, request)

    @extend_schema(responses={202: accepted_schema()})
    def destroy(self, request, *args, **kwargs):
        job = services.vouchers_bulk_delete(batch=self.get_object(), actor=request.user)
        return accepted(job, request)


class VoucherViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = VoucherSerializer
    filterset_class = VoucherFilter

    def get_queryset(self):
        return selectors.voucher_list(filters=self.request.query_params)

    @extend_schema(request=None, responses={202: accepted_schema()})
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        job = services.vouchers_bulk_disable(voucher_ids=[self.get_object().pk], actor=request.user)
        return accepted(job, request)

    @extend_schema(request=VoucherSelectionSerializer, responses={202: accepted_schema()})
    @action(detail=False, methods=["post"], url_path="bulk-disable")
    def bulk_disable(self, request):
        """Disable the selected vouchers (they leave RADIUS), as a job."""
        return self._bulk(request, services.vouchers_bulk_disable)

    @extend_schema(request=VoucherSelectionSerializer, responses={202: accepted_schema()})
    @action(detail=False, methods=["post"], url_path="bulk-delete")
    def bulk_delete(self, request):
        """Delete the selected vouchers (here and from RADIUS), as a job."""
        return self._bulk(request, services.vouchers_bulk_delete)

    def _bulk(self, request, service):
        selection = VoucherSelectionSerializer(data=request.data)
        selection.is_valid(raise_exception=True)
        job = service(voucher_ids=selection.validated_data["ids"], actor=request.user)
        return accepted(job, request)
