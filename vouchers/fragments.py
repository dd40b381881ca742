"""A batch's sync counts, swapped by id on its page."""

from __future__ import annotations

from django.template.loader import render_to_string

from radtik.realtime.fragments import Event, fragment_renderer


@fragment_renderer("batch.counts")
def batch_counts_fragment(event: Event) -> str:
    batch = {"pk": event.payload["batch"]}
    return render_to_string(
        "vouchers/partials/counts.html", {"batch": batch, "counts": event.payload["counts"]}
    )
