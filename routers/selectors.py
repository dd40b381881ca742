"""Reads shared by more than one caller; a list's `filters` are a query's values, checked by its
FilterSet."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet

from radius.choices import OwnerKind
from radius.models import RadiusServer
from radius.namespace import radius_owner
from radius.users import RadiusOwner
from radtik.lists import filtered
from routers.filtersets import IPPoolFilter, PPPProfileFilter, PPPSecretFilter, RouterFilter
from routers.models import IPPool, PPPProfile, PPPSecret, Router


def router_list(*, filters: Mapping | None = None) -> QuerySet[Router]:
    return filtered(RouterFilter, Router.objects.select_related("health"), filters)


def ip_pool_list(*, filters: Mapping | None = None) -> QuerySet[IPPool]:
    return filtered(IPPoolFilter, IPPool.objects.all(), filters)


def ppp_profile_list(*, filters: Mapping | None = None) -> QuerySet[PPPProfile]:
    return filtered(PPPProfileFilter, PPPProfile.objects.all(), filters)


def ppp_secret_list(*, filters: Mapping | None = None) -> QuerySet[PPPSecret]:
    return filtered(PPPSecretFilter, PPPSecret.objects.all(), filters)


def router_secrets_owner(router: Router) -> RadiusOwner:
    return radius_owner(kind=OwnerKind.ROUTER, id=router.pk, name=router.name)


def ppp_secret_username_owners(
    server: RadiusServer, usernames: list[str]
) -> dict[str, RadiusOwner]:
    """The routers whose PPP secrets moved to this server under these names (registered in
    radius.namespace)."""
    moved = PPPSecret.objects.filter(moved_to_radius_server=server)
    if not moved.exists():  # cheaper than sending 100,000 names to an empty match
        return {}
    rows = moved.filter(name__any=set(usernames))
    return {
        name: radius_owner(kind=OwnerKind.ROUTER, id=router_id, name=router_name)
        for name, router_id, router_name in rows.values_list("name", "router_id", "router__name")
    }
