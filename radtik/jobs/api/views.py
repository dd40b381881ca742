from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from radtik.jobs import selectors, services
from radtik.jobs.api.serializers import JobDetailSerializer, JobSerializer
from radtik.jobs.filtersets import JobFilter
from tenants.accounts.models import Role


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Background jobs of this account. Filter with ?status=failed&kind=…"""

    filterset_class = JobFilter
    write_role = Role.OPERATOR

    def get_queryset(self):
        return selectors.job_list(filters=self.request.query_params)

    def get_serializer_class(self):
        return JobDetailSerializer if self.action == "retrieve" else JobSerializer

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        job = services.job_retry(job=self.get_object(), actor=request.user)
        return Response(JobSerializer(job, context={"request": request}).data, status=202)

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = services.job_cancel(job=self.get_object(), actor=request.user)
        return Response(JobSerializer(job, context={"request": request}).data)
