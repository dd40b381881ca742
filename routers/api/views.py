from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from radtik.api import accepted, accepted_schema
from radtik.jobs.api.serializers import JobSerializer
from routers import samples, selectors, services, to_radius
from routers.api.serializers import (
    ImportRequestSerializer,
    IPPoolSerializer,
    PPPProfileSerializer,
    PPPSecretSerializer,
    RouterCreateSerializer,
    RouterSerializer,
    RouterUpdateSerializer,
    SamplesQuerySerializer,
    SecretsToRadiusSerializer,
)
from routers.filtersets import IPPoolFilter, PPPProfileFilter, PPPSecretFilter, RouterFilter
from tenants.accounts.models import Role

# The answer of a new router and of a token rotation: the token and script are shown once.
ROUTER_CREATED = inline_serializer(
    "RouterCreated",
    fields={
        "router": RouterSerializer(),
        "token": serializers.CharField(),
        "bootstrap_script": serializers.CharField(),
        "probe_job": JobSerializer(),
    },
)


class RouterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RouterSerializer
    filterset_class = RouterFilter
    write_role = Role.ADMIN

    def get_queryset(self):
        return selectors.router_list(filters=self.request.query_params)

    @extend_schema(request=RouterCreateSerializer, responses={201: ROUTER_CREATED})
    def create(self, request):
        data = RouterCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.router_create(**data.validated_data, actor=request.user)
        return Response(self._created(made, request), status=201)

    @extend_schema(request=RouterUpdateSerializer, responses={200: RouterSerializer})
    def partial_update(self, request, pk=None):
        """Name, address, RADIUS server, probing: a new address is probed at once."""
        data = RouterUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        router = services.router_update(
            router=self.get_object(), actor=request.user, **data.validated_data
        )
        return Response(RouterSerializer(router).data)

    @extend_schema(request=None, responses={202: accepted_schema()})
    def destroy(self, request, pk=None):
        """Delete the router with its sessions and RADIUS client, as a job (202); refused (400)
        while a package sells through it or its PPP secrets were moved to RADIUS."""
        job = services.router_delete_start(router=self.get_object(), actor=request.user)
        return accepted(job, request)

    @extend_schema(request=None, responses={200: ROUTER_CREATED})
    @action(detail=True, methods=["post"], url_path="rotate-token")
    def rotate_token(self, request, pk=None):
        made = services.router_rotate_token(router=self.get_object(), actor=request.user)
        return Response(self._created(made, request))

    @extend_schema(request=None, responses={202: accepted_schema()})
    @action(detail=True, methods=["post"], url_path="verify-connectivity", write_role=Role.OPERATOR)
    def verify_connectivity(self, request, pk=None):
        job = services.router_probe_start(router=self.get_object(), actor=request.user)
        return accepted(job, request)

    @extend_schema(request=None, responses={202: accepted_schema()})
    @action(detail=True, methods=["post"], url_path="repair-drift", write_role=Role.ADMIN)
    def repair_drift(self, request, pk=None):
        """Redeploy the router's configuration (what its health check reports as drift), as a
        job (202). The check itself never changes the router."""
        job = services.router_drift_repair(router=self.get_object(), actor=request.user)
        return accepted(job, request)

    @extend_schema(parameters=[SamplesQuerySerializer], responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"], url_path="samples")
    def samples(self, request, pk=None):
        """The time series of one chart window (?window=hour: every check; day: 5-minute
        averages; week: hourly), as columns: t (epoch seconds), cpu_load, memory_pct,
        hotspot_active, ppp_active, rx_bps, tx_bps."""
        query = SamplesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        window = query.validated_data["window"]
        columns = samples.router_samples(self.get_object(), windows=(window,))[window]
        return Response({"window": window, **columns})

    @extend_schema(methods=["GET"], responses=OpenApiTypes.OBJECT)
    @extend_schema(
        methods=["POST"], request=SecretsToRadiusSerializer, responses={202: accepted_schema()}
    )
    @action(
        detail=True, methods=["get", "post"], url_path="secrets-to-radius", write_role=Role.ADMIN
    )
    def secrets_to_radius(self, request, pk=None):
        """GET: preview which imported PPP secrets would be written to RADIUS (?names=a,b).
        POST {server, names?, disable_local?}: do it, as a job (202)."""
        router = self.get_object()
        if request.method == "GET":
            names = [n for n in request.query_params.get("names", "").split(",") if n]
            return Response(to_radius.move_preview(router=router, names=names or None))
        data = SecretsToRadiusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = to_radius.move_start(router=router, actor=request.user, **data.validated_data)
        return accepted(job, request)

    @staticmethod
    def _created(made, request) -> dict:
        """The token and script appear in this answer only; later reads never carry them."""
        return {
            "router": RouterSerializer(made.router).data,
            "token": made.token,
            "bootstrap_script": made.script,
            "probe_job": JobSerializer(made.probe_job, context={"request": request}).data,
        }

    @extend_schema(request=ImportRequestSerializer, responses={202: accepted_schema()})
    @action(detail=True, methods=["post"], url_path="import", write_role=Role.OPERATOR)
    def import_(self, request, pk=None):
        data = ImportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.router_import_start(
            router=self.get_object(), what=data.validated_data["what"], actor=request.user
        )
        return accepted(job, request)


class IPPoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imported IP pools: ?router=<id>; removed ones with ?removed=1."""

    serializer_class = IPPoolSerializer
    filterset_class = IPPoolFilter

    def get_queryset(self):
        return selectors.ip_pool_list(filters=self.request.query_params)


class PPPProfileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imported PPP profiles: ?router=<id>; removed ones with ?removed=1."""

    serializer_class = PPPProfileSerializer
    filterset_class = PPPProfileFilter

    def get_queryset(self):
        return selectors.ppp_profile_list(filters=self.request.query_params)


class PPPSecretViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imported PPP secrets: ?router=<id>; removed ones with ?removed=1."""

    serializer_class = PPPSecretSerializer
    filterset_class = PPPSecretFilter

    def get_queryset(self):
        return selectors.ppp_secret_list(filters=self.request.query_params)
