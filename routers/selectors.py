"""Reads shared by more than one caller."""

from __future__ import annotations

from radius.choices import OwnerKind
from radius.models import RadiusServer
from radius.namespace import radius_owner
from radius.users import RadiusOwner
from routers.models import PPPSecret, Router


def router_secrets_owner(router: Router) -> RadiusOwner:
    return radius_owner(kind=OwnerKind.ROUTER, id=router.pk, name=router.name)


def ppp_secret_username_owners(
    server: RadiusServer, usernames: list[str]
) -> dict[str, RadiusOwner]:
    """The routers whose PPP secrets moved to this server under these names (registered in
    radius.namespace)."""
    rows = PPPSecret.objects.filter(moved_to_radius_server=server, name__in=usernames)
    return {
        name: radius_owner(kind=OwnerKind.ROUTER, id=router_id, name=router_name)
        for name, router_id, router_name in rows.values_list("name", "router_id", "router__name")
    }
