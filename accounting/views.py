"""Online users and session history: server-rendered pages kept live by the sessions topic
(accounting.fragments renders each SessionsChanged into rows); never polled."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from accounting import selectors
from accounting.choices import SESSIONS_TOPIC, SessionService
from accounting.filtersets import OnlineFilter, SessionFilter
from radtik.lists import PAGE_SIZE, ListPage, list_page
from radtik.permissions import role_required, user_has_role
from tenants.accounts.models import Role


def rows_id(listing: ListPage, list_name: str) -> str:
    """The tbody new sessions go into: the unfiltered first page's, or a router's first page
    (only the router chosen), else one no new row targets (it may not belong on that page)."""
    if listing.takes_new_rows:
        return f"{list_name}-rows"
    query = QueryDict(listing.query)
    if listing.status == 200 and listing.page.number == 1 and set(query) == {"router"}:
        router = query.get("router", "")
        if router.isdigit():
            return f"{list_name}-rows-router-{router}"
    return f"{list_name}-rows-page"


def _context(request: HttpRequest, listing: ListPage, list_name: str) -> dict:
    return {
        "listing": listing,
        "sessions": listing.page,
        "rows_id": rows_id(listing, list_name),
        "online": selectors.online_now(),
        "router": request.GET.get("router", ""),
        "username": request.GET.get("username", "") if listing.status == 200 else "",
        "service": request.GET.get("service", ""),
        "services": SessionService,
        "topic": SESSIONS_TOPIC,
        "can_operate": user_has_role(request.user, Role.OPERATOR),
        "page_size": PAGE_SIZE,
    }


@role_required(Role.VIEWER)
def online_page(request: HttpRequest) -> HttpResponse:
    listing = list_page(request, select=selectors.online_list, filterset_class=OnlineFilter)
    context = _context(request, listing, "online")
    return render(request, "accounting/online.html", context, status=listing.status)


@role_required(Role.VIEWER)
def history_page(request: HttpRequest) -> HttpResponse:
    listing = list_page(request, select=selectors.session_list, filterset_class=SessionFilter)
    context = _context(request, listing, "session")
    return render(request, "accounting/history.html", context, status=listing.status)
