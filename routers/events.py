"""Realtime for routers: the list watches `routers`, a router's page watches `router.<id>`."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

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


def health_payload(router: Router, health: Any) -> dict[str, Any]:
    """A watched router's health and live data, as the list, its page and listeners get it."""
    return {
        "id": router.pk,
        "name": router.name,
        "host": router.host,
        "state": health.state,
        "reason": health.reason,
        "since": health.since.isoformat() if health.since else None,
        "down_since": health.down_since.isoformat() if health.down_since else None,
        "checked_at": health.checked_at.isoformat() if health.checked_at else None,
        "last_seen": router.last_seen.isoformat() if router.last_seen else None,
        "version": router.routeros_version,
        "board": router.board,
        "cpu_load": health.cpu_load,
        "free_memory": health.free_memory,
        "total_memory": health.total_memory,
        "uptime": health.uptime,
        "hotspot_active": health.hotspot_active,
        "ppp_active": health.ppp_active,
        "rx_bps": health.rx_bps,
        "tx_bps": health.tx_bps,
        "interfaces": health.interfaces,
    }


def health_publish(router: Router, health: Any, event: str) -> None:
    """RouterHealthChanged (a transition) or RouterLiveData (every check) to the router list
    and the router's page."""
    payload = health_payload(router, health)
    for topic in (ROUTERS_TOPIC, router_topic(router)):
        publish(current_tenant_id(), topic, event, payload)


def alert_publish(router: Router, health: Any, event: str, *, since: Any) -> None:
    """The alert hook: RouterDown (down longer than the tenant's router_down_minutes)
    and RouterUp (back after a RouterDown), on the `routers` topic, once per outage."""
    tenant_id = current_tenant_id()
    payload = {
        "router": {"id": router.pk, "name": router.name, "host": router.host},
        "tenant": {"id": tenant_id, "schema": connection.schema_name},
        "state": health.state,
        "reason": health.reason,
        "since": since.isoformat(),  # when it went down
        "at": timezone.now().isoformat(),
    }
    publish(tenant_id, ROUTERS_TOPIC, event, payload)
