"""What a discovery found, on the router's page: stage 3's table, stage 4's interface selects
(keeping the saved choices) and the hint beside them, each swapped by id."""

from __future__ import annotations

from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html

from provisioning.services import SECTIONS
from radtik.realtime.fragments import Event, fragment_renderer


@fragment_renderer("RouterInterfacesDiscovered")
def interfaces_fragment(event: Event) -> str:
    payload = event.payload
    router = SimpleNamespace(pk=payload["router_id"])
    discovered_at = parse_datetime(payload["discovered_at"]) if payload["discovered_at"] else None
    interfaces = [SimpleNamespace(**i, discovered_at=discovered_at) for i in payload["interfaces"]]
    context = {
        "router": router,
        "interfaces": interfaces,
        "interfaces_stale": payload["stale"],
        "discovery_error": payload["error"],
    }
    html = render_to_string("provisioning/partials/interfaces.html", context)
    for section in SECTIONS:
        html += render_to_string(
            "provisioning/partials/interface_select.html",
            {**context, "section": section, "selected": payload["selected"][section]},
        )
    hint = "" if interfaces else "Pick interfaces once discovery (stage 3) has found them."
    html += format_html('<p id="router-{}-interfaces-hint" class="muted">{}</p>', router.pk, hint)
    return html
