"""A batch's sync counts, swapped by id on its page, and its row on the batch list (a batch
created after the list loaded, through the API too, goes on top)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime

from radtik.realtime.fragments import Event, fragment_renderer
from vouchers.choices import VOUCHERS_TOPIC


@fragment_renderer("batch.counts", "batch.created")
def batch_counts_fragment(event: Event) -> str:
    payload = event.payload
    counts = payload["counts"]
    if event.topic != VOUCHERS_TOPIC:
        batch = {"pk": payload["batch"]}
        return render_to_string("vouchers/partials/counts.html", {"batch": batch, "counts": counts})
    batch = {  # the row as the event describes it
        "pk": payload["batch"],
        "profile": payload["profile"],
        "radius_server": payload["server"],
        "count": payload["count"],
        "created_at": parse_datetime(payload["created_at"]),
    }
    context = {"batch": batch, "counts": counts, "oob": True, "new": event.event == "batch.created"}
    return render_to_string("vouchers/partials/batch_row.html", context)
