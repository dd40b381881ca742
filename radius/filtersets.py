"""The query filters of the RADIUS server list, shared by the page and the API (radtik.lists)."""

import django_filters

from radius.models import RadiusServer


class RadiusServerFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label="Name contains")
    sort = django_filters.OrderingFilter(fields=["name", "host", "created_at"], label="Sort")

    class Meta:
        model = RadiusServer
        fields = ["name", "active"]
