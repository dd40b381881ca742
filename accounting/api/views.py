from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounting import selectors
from accounting.api.serializers import OnlineNowSerializer, SessionSerializer
from accounting.filtersets import SessionFilter


class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Accounting sessions read back from RADIUS: ?open=true for who is online, ?router=,
    ?username=, ?started_after=/?started_before= (ISO 8601), ?ordering=-started|stopped."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.session_list()
        return selectors.session_list(filters=self.request.query_params)

    @extend_schema(responses=OnlineNowSerializer, filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def online(self, request):
        """How many are online now: the account's total, hotspot and PPPoE, and per router."""
        return Response(OnlineNowSerializer(selectors.online_now()).data)
