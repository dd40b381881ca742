"""Onboarding stages 3-5 in the API, under /api/routers/<id>/ beside the router's own routes."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from provisioning import services
from provisioning.api.serializers import RouterConfigSerializer, ServiceConfigSerializer
from provisioning.services import portal_url
from radtik.api import accepted, accepted_schema
from radtik.jobs.api.serializers import JobSerializer
from radtik.jobs.models import Job
from routers.api.serializers import RouterSerializer
from routers.models import Router
from tenants.accounts.models import Role


class DeployRequestSerializer(serializers.Serializer):
    config_id = serializers.IntegerField(
        required=False, min_value=1, help_text="A saved configuration; the latest by default."
    )


INTERFACES = inline_serializer(
    "RouterInterfaces",
    fields={
        "stale": serializers.BooleanField(),
        "interfaces": inline_serializer(
            "DiscoveredInterface",
            fields={
                "name": serializers.CharField(),
                "type": serializers.CharField(),
                "running": serializers.BooleanField(),
                "disabled": serializers.BooleanField(),
                "discovered_at": serializers.DateTimeField(),
            },
            many=True,
        ),
    },
)
PROVISIONING_STATUS = inline_serializer(
    "ProvisioningStatus",
    fields={"router": RouterSerializer(), "job": JobSerializer(allow_null=True)},
)


class RouterProvisioningViewSet(viewsets.GenericViewSet):
    """Only detail actions: the router's list, read and create routes stay routers' own."""

    queryset = Router.objects.all()
    serializer_class = RouterSerializer
    write_role = Role.ADMIN

    @extend_schema(methods=["GET"], responses=INTERFACES)
    @extend_schema(methods=["POST"], request=None, responses={202: accepted_schema()})
    @action(detail=True, methods=["get", "post"], url_path="interfaces", write_role=Role.OPERATOR)
    def interfaces(self, request, pk=None):
        """GET: the interfaces found by the last discovery, and whether that is older than
        10 minutes. POST: discover again, as a job (202)."""
        router = self.get_object()
        if request.method == "POST":
            job = services.discovery_start(router=router, actor=request.user)
            return accepted(job, request)
        return Response(
            {
                "stale": services.interfaces_stale(router),
                "interfaces": [
                    {
                        "name": i.name,
                        "type": i.type,
                        "running": i.running,
                        "disabled": i.disabled,
                        "discovered_at": i.discovered_at,
                    }
                    for i in services.router_interfaces(router=router)
                ],
            }
        )

    @extend_schema(request=ServiceConfigSerializer, responses={201: RouterConfigSerializer})
    @action(detail=True, methods=["post"], url_path="generate-service-config")
    def generate_service_config(self, request, pk=None):
        """Validate the service choices, save them as a new RouterConfig version and show the
        script and the plan against the router's live state."""
        router = self.get_object()
        saved = services.service_config_create(
            router=router, data=request.data, actor=request.user, portal_url=portal_url(request)
        )
        return Response(RouterConfigSerializer(saved).data, status=201)

    @extend_schema(request=DeployRequestSerializer, responses={202: accepted_schema()})
    @action(
        detail=True, methods=["post"], url_path="deploy-service-config", write_role=Role.OPERATOR
    )
    def deploy_service_config(self, request, pk=None):
        data = DeployRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        config_id = data.validated_data.get("config_id")
        router = self.get_object()
        config = router.configs.filter(pk=config_id).first() if config_id else None
        if config_id and config is None:
            raise ValidationError({"config_id": ["No such configuration for this router."]})
        job = services.deploy_start(router=router, config=config, actor=request.user)
        return accepted(job, request)

    @extend_schema(responses=RouterConfigSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def configs(self, request, pk=None):
        return Response(RouterConfigSerializer(self.get_object().configs.all(), many=True).data)

    @extend_schema(responses=PROVISIONING_STATUS)
    @action(detail=True, methods=["get"], url_path="provisioning-status")
    def provisioning_status(self, request, pk=None):
        router = self.get_object()
        job = Job.objects.filter(target_type="routers.router", target_id=str(router.pk)).first()
        return Response(
            {
                "router": RouterSerializer(router).data,
                "job": JobSerializer(job, context={"request": request}).data if job else None,
            }
        )
