"""The query filters of the session lists, shared by the pages and the API (see radtik.lists).

History orders only by what its indexes hold (start or stop time, newest first by default), so a
page of millions of sessions never sorts the table; the online list holds open sessions only
(thousands at most), so it may also sort by user, traffic and uptime.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from accounting.choices import SessionService
from accounting.models import Session
from radtik.lists import DateTimeFilter


class TieBrokenOrdering(django_filters.OrderingFilter):
    """An ordering with the row's id after it, in the same direction: the order a page shows is
    stable, and matches the (time, id) indexes."""

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        if not value:
            return qs
        fields = [self.get_ordering_value(param) for param in value]
        last = fields[-1]
        return qs.order_by(*fields, "-id" if last.startswith("-") else "id")


class _SessionFilter(django_filters.FilterSet):
    # By id: a tenant may have hundreds of routers, and an unknown id lists none.
    router = django_filters.NumberFilter(field_name="router_id", label="Router")
    username = django_filters.CharFilter(label="User")
    service = django_filters.ChoiceFilter(choices=SessionService.choices)
    mac_address = django_filters.CharFilter(lookup_expr="iexact", label="MAC")
    voucher = django_filters.NumberFilter(field_name="voucher_id", label="Voucher")
    subscription = django_filters.NumberFilter(field_name="subscription_id", label="Subscription")


class SessionFilter(_SessionFilter):
    open = django_filters.BooleanFilter(field_name="is_open", label="Open")
    started_after = DateTimeFilter(field_name="started_at", lookup_expr="gte", label="Started from")
    started_before = DateTimeFilter(
        field_name="started_at", lookup_expr="lt", label="Started before"
    )
    ordering = TieBrokenOrdering(
        fields=(("started_at", "started"), ("stopped_at", "stopped")), label="Order by"
    )

    class Meta:
        model = Session
        fields = ["router", "username", "service", "open", "mac_address"]


class OnlineFilter(_SessionFilter):
    ordering = TieBrokenOrdering(
        fields=(
            ("started_at", "started"),
            ("username", "username"),
            ("session_time", "uptime"),
            ("input_octets", "bytes_in"),
            ("output_octets", "bytes_out"),
        ),
        label="Order by",
    )

    class Meta:
        model = Session
        fields = ["router", "service", "username", "mac_address"]
