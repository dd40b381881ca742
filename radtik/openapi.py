"""The OpenAPI schema's view inspector (drf-spectacular)."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular import openapi


class AutoSchema(openapi.AutoSchema):
    """A list's query parameters come from its `filterset_class`: the view's selector applies
    that FilterSet, so the view has no filter backend for drf-spectacular to read them from."""

    def get_filter_backends(self):
        if getattr(self.view, "filterset_class", None) and self._is_list_view():
            return [DjangoFilterBackend]
        return super().get_filter_backends()
