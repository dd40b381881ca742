"""The query filters of the billing lists, shared by the pages and the API (see radtik.lists)."""

import django_filters

from billing.choices import ResolvedVia
from billing.models import Customer, Package, Payment, PaymentCallback, Subscription


class PackageFilter(django_filters.FilterSet):
    class Meta:
        model = Package
        fields = ["active", "service", "router"]


class PaymentFilter(django_filters.FilterSet):
    resolved_via = django_filters.ChoiceFilter(
        choices=[(value, label) for value, label in ResolvedVia.choices if value],
        label="Resolved by",
    )
    phone = django_filters.CharFilter(lookup_expr="contains", label="Phone contains")

    class Meta:
        model = Payment
        fields = ["status", "resolved_via", "package", "phone"]


class PaymentCallbackFilter(django_filters.FilterSet):
    class Meta:
        model = PaymentCallback
        fields = ["outcome", "checkout_request_id"]


class CustomerFilter(django_filters.FilterSet):
    phone = django_filters.CharFilter(lookup_expr="contains", label="Phone contains")
    name = django_filters.CharFilter(lookup_expr="icontains", label="Name contains")

    class Meta:
        model = Customer
        fields = ["phone", "name"]


class SubscriptionFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(lookup_expr="icontains", label="User contains")

    class Meta:
        model = Subscription
        fields = ["status", "radius_state", "router_state", "package", "router", "username"]
