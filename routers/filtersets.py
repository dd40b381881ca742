"""The query filters of the router lists, shared by the pages and the API (see radtik.lists)."""

import django_filters

from routers.models import IPPool, PPPProfile, PPPSecret, Router


class RouterFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label="Name contains")

    class Meta:
        model = Router
        fields = ["name", "status", "radius_server"]


class ImportedItemFilter(django_filters.FilterSet):
    """Items the router no longer has are left out unless ?removed=1."""

    name = django_filters.CharFilter(lookup_expr="icontains", label="Name contains")
    # Read by filter_queryset (its absence filters, its presence does not): a no-op method.
    removed = django_filters.BooleanFilter(
        label="Include removed", method=lambda queryset, name, value: queryset
    )

    class Meta:
        fields = ["router", "name", "removed"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("removed"):
            queryset = queryset.filter(removed_at__isnull=True)
        return queryset


class IPPoolFilter(ImportedItemFilter):
    class Meta(ImportedItemFilter.Meta):
        model = IPPool


class PPPProfileFilter(ImportedItemFilter):
    class Meta(ImportedItemFilter.Meta):
        model = PPPProfile


class PPPSecretFilter(ImportedItemFilter):
    class Meta(ImportedItemFilter.Meta):
        model = PPPSecret
        fields = [*ImportedItemFilter.Meta.fields, "service", "disabled"]
