"""Onboarding stages 3-5 in the API, under /api/routers/<id>/ beside the router's own routes."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from provisioning import services
from provisioning.api.serializers import RouterConfigSerializer, ServiceConfigSerializer
from radtik.api import accepted
from radtik.jobs.api.serializers import JobSerializer
from radtik.jobs.models import Job
from routers.api.serializers import RouterSerializer
from routers.models import Router
from tenants.accounts.models import Role


class RouterProvisioningViewSet(viewsets.GenericViewSet):
    """Only detail actions: the router's list, read and create routes stay routers' own."""

    queryset = Router.objects.all()
    serializer_class = RouterSerializer
    write_role = Role.ADMIN

    @extend_schema(request=None)
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

    @extend_schema(request=ServiceConfigSerializer)
    @action(detail=True, methods=["post"], url_path="generate-service-config")
    def generate_service_config(self, request, pk=None):
        """Validate the service choices, save them as a new RouterConfig version and show the
        script and the plan against the router's live state."""
        router = self.get_object()
        saved = services.service_config_create(router=router, data=request.data, actor=request.user)
        return Response(RouterConfigSerializer(saved).data, status=201)

    @extend_schema(request=None, responses={202: RouterSerializer})
    @action(
        detail=True, methods=["post"], url_path="deploy-service-config", write_role=Role.OPERATOR
    )
    def deploy_service_config(self, request, pk=None):
        config_id = request.data.get("config_id") if hasattr(request.data, "get") else None
        router = self.get_object()
        config = router.configs.filter(pk=config_id).first() if config_id else None
        if config_id and config is None:
            raise ValidationError({"config_id": ["No such configuration for this router."]})
        job = services.deploy_start(router=router, config=config, actor=request.user)
        return accepted(job, request)

    @extend_schema(request=None)
    @action(detail=True, methods=["get"])
    def configs(self, request, pk=None):
        return Response(RouterConfigSerializer(self.get_object().configs.all(), many=True).data)

    @extend_schema(request=None)
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
