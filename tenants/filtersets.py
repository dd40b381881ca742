"""The query filters of the tenant list (platform page and API; see radtik.lists)."""

import django_filters

from tenants.models import Tenant


class TenantFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label="Name contains")

    class Meta:
        model = Tenant
        fields = ["name", "slug", "status"]
