"""A router's badge and facts, swapped by id on the router list and (with its next-step line)
on the router's page; a watched router's health state and live figures likewise."""

from __future__ import annotations

import json

from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime

from radtik.realtime.fragments import Event, fragment_renderer
from routers.events import ROUTERS_TOPIC
from routers.live import LIVE_FIELDS, memory_pct
from routers.models import Router, RouterHealth
from routers.samples import SERIES

SHOWN = ("name", "status", "model", "routeros_version", "last_error")


@fragment_renderer("RouterConnected", "RouterStatusUpdated")
def router_fragment(event: Event) -> str:
    payload = event.payload
    router = Router(pk=payload["id"], **{name: payload[name] for name in SHOWN})  # never saved
    router.last_seen = parse_datetime(payload["last_seen"]) if payload["last_seen"] else None
    context = {"router": router, "with_next": event.topic != ROUTERS_TOPIC}
    return render_to_string("routers/partials/router_event.html", context)


@fragment_renderer("RouterDeleted")
def deleted_fragment(event: Event) -> str:
    """A deleted router's row leaves the list (its page, if open, has no such row)."""
    return f'<tr id="router-{int(event.payload["id"])}-row" hx-swap-oob="delete"></tr>'


def _watched(payload: dict) -> tuple[Router, RouterHealth]:
    """Unsaved objects carrying the payload, for the templates."""
    router = Router(pk=payload["id"], name=payload["name"], board=payload["board"])
    router.last_seen = parse_datetime(payload["last_seen"]) if payload["last_seen"] else None
    health = RouterHealth(router_id=payload["id"], state=payload["state"], reason=payload["reason"])
    for name in ("since", "checked_at"):
        setattr(health, name, parse_datetime(payload[name]) if payload[name] else None)
    for name in LIVE_FIELDS:
        setattr(health, name, payload[name])
    return router, health


@fragment_renderer("RouterHealthChanged")
def health_fragment(event: Event) -> str:
    router, health = _watched(event.payload)
    context = {"router": router, "health": health, "compact": event.topic == ROUTERS_TOPIC}
    return render_to_string("routers/partials/health_state.html", context)


@fragment_renderer("RouterLiveData")
def live_fragment(event: Event) -> str:
    """The figures, and on the router page the chart feed: one point of the hour chart."""
    router, health = _watched(event.payload)
    payload = event.payload
    point = {"t": int(health.checked_at.timestamp()) if health.checked_at else None}
    point.update({series: payload.get(series) for series in SERIES if series != "memory_pct"})
    point["memory_pct"] = memory_pct(payload["free_memory"], payload["total_memory"])
    context = {
        "router": router,
        "health": health,
        "compact": event.topic == ROUTERS_TOPIC,
        "sample": json.dumps(point),
    }
    return render_to_string("routers/partials/health_live.html", context)
