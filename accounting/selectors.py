"""Reads of sessions shared by the pages, the API and the live fragments; `filters` are a query's
values, checked by the FilterSet (radtik.lists)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from accounting.choices import SessionService
from accounting.filtersets import OnlineFilter, SessionFilter
from accounting.models import Session
from radtik.lists import filtered
from routers.models import Router

# What a row shows beside the session: its router's name, the voucher's batch, the customer.
_RELATED = ("router", "voucher", "subscription__customer")


def session_list(*, filters: Mapping | None = None) -> QuerySet[Session]:
    """Every session, newest start first (the history)."""
    return filtered(SessionFilter, Session.objects.select_related(*_RELATED), filters)


def online_list(*, filters: Mapping | None = None) -> QuerySet[Session]:
    """The open sessions (the partial indexes on is_open), newest start first."""
    sessions = Session.objects.filter(is_open=True).select_related(*_RELATED)
    return filtered(OnlineFilter, sessions, filters)


def sessions_by_id(ids: Iterable[int]) -> list[Session]:
    """The sessions an event names, as stored now, with what their rows show."""
    return list(Session.objects.filter(pk__in=list(ids)).select_related(*_RELATED))


@dataclass
class OnlineCount:
    total: int = 0
    hotspot: int = 0
    pppoe: int = 0


@dataclass
class RouterOnline(OnlineCount):
    router: int | None = None
    name: str = ""


@dataclass
class OnlineNow(OnlineCount):
    routers: list[RouterOnline] = field(default_factory=list)


def online_now() -> OnlineNow:
    """Who is online now, for the tenant and per router (sessions no router of this account
    carried count under router None). One GROUP BY over the open sessions' partial index."""
    rows = (
        Session.objects.filter(is_open=True)
        .values("router_id")
        .annotate(
            total=Count("id"),
            hotspot=Count("id", filter=Q(service=SessionService.HOTSPOT)),
            pppoe=Count("id", filter=Q(service=SessionService.PPPOE)),
        )
        .order_by()
    )
    counts = {row.pop("router_id"): row for row in rows}
    names = dict(Router.objects.filter(pk__in=[k for k in counts if k]).values_list("pk", "name"))
    now = OnlineNow()
    for router, row in counts.items():
        now.routers.append(RouterOnline(router=router, name=names.get(router, ""), **row))
        now.total += row["total"]
        now.hotspot += row["hotspot"]
        now.pppoe += row["pppoe"]
    now.routers.sort(key=lambda r: (r.router is None, r.name.lower()))
    return now
