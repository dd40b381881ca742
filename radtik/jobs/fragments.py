"""A job's status block (and its new log line), swapped by id on the pages watching it."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime

from radtik.jobs.models import Job
from radtik.realtime.fragments import Event, fragment_renderer

SHOWN = ("status", "stage", "progress", "message", "attempts", "max_attempts", "error")


@fragment_renderer("job.*")
def job_fragment(event: Event) -> str:
    payload = event.payload
    job = Job(pk=payload["id"], **{name: payload[name] for name in SHOWN})  # never saved
    html = render_to_string("jobs/partials/status.html", {"job": job})
    if payload.get("line"):
        html += render_to_string(
            "jobs/partials/log_line.html",
            {
                "job": job,
                "line": payload["line"],
                "level": payload["level"],
                "at": parse_datetime(payload["at"]),
            },
        )
    return html
