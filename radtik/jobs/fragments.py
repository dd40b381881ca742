"""A job on htmx pages: its status block (and new log line) on the pages watching it, its row on
the job list, and the newest job of its kind on its target's page (a job started after the page
loaded takes its kind's slot)."""

from __future__ import annotations

import re

from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime

from radtik.jobs.models import Job
from radtik.jobs.services import JOB_TARGET_TOPIC_PREFIX
from radtik.realtime.fragments import Event, fragment_renderer

SHOWN = ("status", "stage", "progress", "message", "attempts", "max_attempts", "error")
LIST_TOPIC = "jobs"
_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")


def job_slot_id(target_type: str, target_id: object, kind: str) -> str:
    """The element holding the newest `kind` job of a target on the target's page."""
    return _NOT_ID.sub("-", f"jobs-{target_type}-{target_id}-{kind}")


@fragment_renderer("job.*")
def job_fragment(event: Event) -> str:
    payload = event.payload
    job = Job(  # never saved
        pk=payload["id"],
        kind=payload["kind"],
        target_repr=payload["target"]["repr"],
        result=payload.get("result"),
        **{name: payload[name] for name in SHOWN},
    )
    if event.topic == LIST_TOPIC:
        context = {"job": job, "oob": True, "new": event.event == "job.queued"}
        return render_to_string("jobs/partials/row.html", context)
    if event.topic.startswith(JOB_TARGET_TOPIC_PREFIX) and event.event == "job.queued":
        return _slot(payload)
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


def _slot(payload: dict) -> str:
    """A job (new, or queued again) in its kind's slot, read afresh with its log."""
    job = Job.objects.select_related("requested_by").filter(pk=payload["id"]).first()
    if job is None:
        return ""
    target = payload["target"]
    slot = job_slot_id(target["type"], target["id"], job.kind)
    return render_to_string("jobs/partials/slot.html", {"job": job, "slot": slot, "oob": True})
