"""A router's badge and facts, swapped by id on the router list and (with its next-step line)
on the router's page."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime

from radtik.realtime.fragments import Event, fragment_renderer
from routers.events import ROUTERS_TOPIC
from routers.models import Router

SHOWN = ("name", "status", "model", "routeros_version", "last_error")


@fragment_renderer("RouterConnected", "RouterStatusUpdated")
def router_fragment(event: Event) -> str:
    payload = event.payload
    router = Router(pk=payload["id"], **{name: payload[name] for name in SHOWN})  # never saved
    router.last_seen = parse_datetime(payload["last_seen"]) if payload["last_seen"] else None
    context = {"router": router, "with_next": event.topic != ROUTERS_TOPIC}
    return render_to_string("routers/partials/router_event.html", context)
