from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from radtik.api import accepted
from radtik.jobs.api.serializers import JobSerializer
from routers import selectors, services, to_radius
from routers.api.serializers import (
    ImportRequestSerializer,
    IPPoolSerializer,
    PPPProfileSerializer,
    PPPSecretSerializer,
    RouterCreateSerializer,
    RouterSerializer,
    SecretsToRadiusSerializer,
)
from routers.filtersets import IPPoolFilter, PPPProfileFilter, PPPSecretFilter, RouterFilter
from tenants.accounts.models import Role


class RouterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RouterSerializer
    filterset_class = RouterFilter
    write_role = Role.ADMIN

    def get_queryset(self):
        return selectors.router_list(filters=self.request.query_params)

    @extend_schema(request=RouterCreateSerializer, responses={201: RouterSerializer})
    def create(self, request):
        data = RouterCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.router_create(**data.validated_data, actor=request.user)
        return Response(self._created(made, request), status=201)

    @extend_schema(request=None, responses={200: RouterSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-token")
    def rotate_token(self, request, pk=None):
        made = services.router_rotate_token(router=self.get_object(), actor=request.user)
        return Response(self._created(made, request))

    @extend_schema(request=None, responses={202: RouterSerializer})
    @action(detail=True, methods=["post"], url_path="verify-connectivity", write_role=Role.OPERATOR)
    def verify_connectivity(self, request, pk=None):
        job = services.router_probe_start(router=self.get_object(), actor=request.user)
        return accepted(job, request)

    @extend_schema(request=SecretsToRadiusSerializer)
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

    @extend_schema(request=ImportRequestSerializer, responses={202: RouterSerializer})
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
