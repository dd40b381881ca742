"""Realtime for routers: the list watches `routers`, a router's page watches `router.<id>`."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

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
    """JSON for API clients; for pages, the badge and facts that replace theirs by id (the
    router page also gets its next-step line)."""
    payload = router_payload(router)
    for topic, with_next in ((ROUTERS_TOPIC, False), (router_topic(router), True)):
        html = render_to_string(
            "routers/partials/router_event.html", {"router": router, "with_next": with_next}
        )
        publish(current_tenant_id(), topic, event, payload, html=html)
