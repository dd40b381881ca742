from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from radius import selectors, services
from radius.api.serializers import RadiusServerCreatedSerializer, RadiusServerSerializer
from radius.filtersets import RadiusServerFilter
from radtik.api import accepted, accepted_schema
from tenants.accounts.models import Role


class RadiusServerViewSet(viewsets.ModelViewSet):
    serializer_class = RadiusServerSerializer
    filterset_class = RadiusServerFilter
    write_role = Role.ADMIN

    def get_queryset(self):
        return selectors.radius_server_list(filters=self.request.query_params)

    @extend_schema(responses={201: RadiusServerCreatedSerializer})
    def create(self, request):
        data = RadiusServerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        token = fields.pop("auth_token", "")
        fields.pop("active", None)
        made = services.radius_server_create(**fields, token=token, actor=request.user)
        made.server.token = made.token
        return Response(RadiusServerCreatedSerializer(made.server).data, status=201)

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        if not fields.get("auth_token"):
            fields.pop("auth_token", None)
        serializer.instance = services.radius_server_update(
            server=serializer.instance, actor=self.request.user, **fields
        )

    def perform_destroy(self, instance):
        services.radius_server_delete(server=instance, actor=self.request.user)

    @extend_schema(request=None, responses={202: accepted_schema()})
    @action(detail=True, methods=["post"], url_path="test")
    def test(self, request, pk=None):
        """Test the connection to the agent as a job: its result says what to fix."""
        job = services.radius_server_test_start(server=self.get_object(), actor=request.user)
        return accepted(job, request)
