"""Sessions on htmx pages, from each SessionsChanged (one per EVENT_CHUNK sessions an ingest page
changed): the online list gains a new session on top, updates it in place and drops it at its
stop; the history gains it on top and updates it; both show who is online now.

The rows are read afresh (one query per event, rendered once per process for every page): the
event says which sessions moved, the table what they look like by the time the page gets them,
so a session started and stopped within one cycle is never left on the online list.
Three frames at most per event (radtik.realtime.fragments): the summary (only when a session
started or stopped), the new rows (<tbody> wrappers) and the rows updated or dropped (<tr>),
since htmx parses a frame's elements together.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.template.loader import render_to_string

from accounting.selectors import online_now, sessions_by_id
from radtik.realtime.fragments import Event, fragment_renderer

_EPOCH = datetime.min.replace(tzinfo=UTC)


@fragment_renderer("SessionsChanged")
def sessions_fragment(event: Event) -> list[str]:
    moved = {item["id"]: item["event"] for item in event.payload.get("sessions", [])}
    # Oldest first: each new row goes on top, so the newest ends up there.
    sessions = sorted(sessions_by_id(moved), key=lambda s: (s.started_at or _EPOCH, s.pk))
    summary = ""
    if set(moved.values()) - {"updated"}:  # interim updates alone leave the counts as they are
        summary = render_to_string(
            "accounting/partials/online_summary.html", {"online": online_now(), "oob": True}
        )
    new, changed = [], []
    for session in sessions:
        is_new = moved[session.pk] == "started"
        context = {"s": session, "oob": True, "new": is_new}
        rows = new if is_new else changed
        if session.is_open:
            rows.append(render_to_string("accounting/partials/online_row.html", context))
        elif not is_new:
            changed.append(f'<tr id="online-{session.pk}" hx-swap-oob="delete"></tr>')
        rows.append(render_to_string("accounting/partials/session_row.html", context))
    return [summary, "".join(new), "".join(changed)]
