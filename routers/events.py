"""Realtime for routers: the list watches `routers`, a router's page watches `router.<id>`."""

from __future__ import annotations

from typing import Any

from radtik.events import publish
from radtik.tenancy import current_tenant_id
from routers.models import Router

ROUTERS_TOPIC = "routers"


def router_topic(router: Router) -> str:
    return f"router.{router.pk}"


def router_payload(router: Router) -> dict[str, Any]:
    return {
        "id": router.pk,
        "name": router.name,
        "status": router.status,
        "model": router.model,
        "routeros_version": router.routeros_version,
        "last_seen": router.last_seen.isoformat() if router.last_seen else None,
        "last_error": router.last_error,
    }


def router_publish(router: Router, event: str) -> None:
    """Tell the router list and the router's page (routers.fragments renders their HTML)."""
    payload = router_payload(router)
    for topic in (ROUTERS_TOPIC, router_topic(router)):
        publish(current_tenant_id(), topic, event, payload)
