"""Reads of RADIUS servers shared by the page and the API."""

from collections.abc import Mapping

from django.db.models import Count, QuerySet

from radius.filtersets import RadiusServerFilter
from radius.models import RadiusServer
from radtik.lists import filtered


def radius_server_list(*, filters: Mapping | None = None) -> QuerySet[RadiusServer]:
    # Two counts on a handful of servers per tenant: a join and GROUP BY is cheap here.
    servers = RadiusServer.objects.annotate(
        batch_count=Count("voucher_batches", distinct=True),
        router_count=Count("routers", distinct=True),
    ).order_by("name")
    return filtered(RadiusServerFilter, servers, filters)
