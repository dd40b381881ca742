from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from billing import selectors, services
from billing.api.serializers import (
    CustomerSerializer,
    PackageSerializer,
    PaymentCallbackSerializer,
    PaymentInitiateSerializer,
    PaymentPublicSerializer,
    PaymentSerializer,
    PortalSettingsSerializer,
    PublicPackageSerializer,
    SubscriptionSerializer,
)
from billing.filtersets import (
    CustomerFilter,
    PackageFilter,
    PaymentCallbackFilter,
    PaymentFilter,
    SubscriptionFilter,
)
from billing.models import Payment
from radtik.api import accepted
from radtik.throttling import PaymentInitiateThrottle, PaymentStatusThrottle
from tenants.accounts.models import Role


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


class PackageViewSet(viewsets.ModelViewSet):
    serializer_class = PackageSerializer
    filterset_class = PackageFilter
    write_role = Role.ADMIN

    def get_queryset(self):
        return selectors.package_list(filters=self.request.query_params)

    def perform_create(self, serializer):
        serializer.instance = services.package_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.package_update(
            package=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.package_delete(package=instance, actor=self.request.user)

    @extend_schema(responses=PublicPackageSerializer(many=True))
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[AllowAny],
        authentication_classes=[],
        pagination_class=None,  # every package on offer, as one list
    )
    def public(self, request):
        """Packages on offer (public: the captive portal and kiosk apps)."""
        packages = selectors.portal_packages()
        return Response(PublicPackageSerializer(packages, many=True).data)


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter

    def get_queryset(self):
        return selectors.payment_list(filters=self.request.query_params)

    @extend_schema(
        request=PaymentInitiateSerializer,
        responses={202: PaymentPublicSerializer, 502: PaymentPublicSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[AllowAny],
        authentication_classes=[],
        throttle_classes=[PaymentInitiateThrottle],
    )
    def initiate(self, request):
        """Public: send an STK push. Watch `payment.<token>` on /ws/ or poll the status URL."""
        data = PaymentInitiateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            payment = services.payment_initiate(**data.validated_data, base_url=_base_url(request))
        except services.PaymentPushFailed as exc:
            body = PaymentPublicSerializer(exc.payment).data
            return Response({**body, "detail": str(exc)}, status=status.HTTP_502_BAD_GATEWAY)
        body = PaymentPublicSerializer(payment).data
        body["status_url"] = request.build_absolute_uri(f"/api/payments/status/{payment.token}/")
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=PaymentPublicSerializer)
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[AllowAny],
        authentication_classes=[],
        throttle_classes=[PaymentStatusThrottle],
        url_path=r"status/(?P<token>[A-Za-z0-9_-]{20,64})",
    )
    def by_token(self, request, token: str):
        """Public, by the payment's unguessable token: where the payment stands."""
        payment = (
            Payment.objects.select_related("package", "subscription").filter(token=token).first()
        )
        if payment is None:
            return Response({"detail": "No such payment."}, status=404)
        return Response(PaymentPublicSerializer(payment).data)

    @extend_schema(request=None)
    @action(detail=False, methods=["post"])
    def reconcile(self, request):
        """Queue an STK query of every pending payment now (operator)."""
        job = services.payments_reconcile_enqueue(actor=request.user, older_than_seconds=0)
        return accepted(job, request)


class PaymentCallbackViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Every callback request that was stored; `?outcome=quarantine` lists those that need
    attention (matching them failed several times)."""

    serializer_class = PaymentCallbackSerializer
    filterset_class = PaymentCallbackFilter

    def get_queryset(self):
        return selectors.callback_list(filters=self.request.query_params)

    @extend_schema(request=None, responses=PaymentCallbackSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Put a callback that needs attention back in the inbox (operator)."""
        callback = services.payment_callback_retry(
            callback_id=self.get_object().pk, actor=request.user
        )
        return Response(PaymentCallbackSerializer(callback).data)


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter

    def get_queryset(self):
        return selectors.customer_list(filters=self.request.query_params)


class SubscriptionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = SubscriptionSerializer
    filterset_class = SubscriptionFilter

    def get_queryset(self):
        return selectors.subscription_list(filters=self.request.query_params)


class PortalSettingsView(generics.GenericAPIView):
    """The captive portal's look: every user reads it, admins change it (PATCH; the logo as a
    multipart upload, `remove_logo` to drop it)."""

    serializer_class = PortalSettingsSerializer
    write_role = Role.ADMIN
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get(self, request):
        return Response(self.get_serializer(selectors.portal_settings()).data)

    def patch(self, request):
        data = self.get_serializer(selectors.portal_settings(), data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        saved = services.portal_settings_save(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(saved).data)
