from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action

from radtik.api import accepted
from routers import services
from routers.api.serializers import (
    ImportRequestSerializer,
    IPPoolSerializer,
    PPPProfileSerializer,
    PPPSecretSerializer,
    RouterSerializer,
)
from routers.models import IPPool, PPPProfile, PPPSecret, Router


class RouterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Router.objects.all()
    serializer_class = RouterSerializer

    @extend_schema(request=ImportRequestSerializer, responses={202: RouterSerializer})
    @action(detail=True, methods=["post"], url_path="import")
    def import_(self, request, pk=None):
        data = ImportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.router_import_start(
            router=self.get_object(), what=data.validated_data["what"], actor=request.user
        )
        return accepted(job, request)


class RouterItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imported items, filterable by ?router=<id>; removed ones with ?removed=1."""

    model = None

    def get_queryset(self):
        items = self.model.objects.all()
        if router := self.request.query_params.get("router"):
            items = items.filter(router_id=router)
        if self.request.query_params.get("removed") != "1":
            items = items.filter(removed_at__isnull=True)
        return items


class IPPoolViewSet(RouterItemViewSet):
    model = IPPool
    serializer_class = IPPoolSerializer


class PPPProfileViewSet(RouterItemViewSet):
    model = PPPProfile
    serializer_class = PPPProfileSerializer


class PPPSecretViewSet(RouterItemViewSet):
    model = PPPSecret
    serializer_class = PPPSecretSerializer
