"""Stage 2: probe a new router every `probe_interval` s until it answers or attempts run out.

One Job per probing session; each attempt is one probe, rescheduled through the Job runner's
delayed delivery (RetryAfter), so a slow router only ever holds one worker for its timeout.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from radtik.events import publish
from radtik.jobs.context import JobContext, RetryAfter
from radtik.jobs.models import Job
from radtik.tenancy import current_tenant_id
from routers.choices import REACHED, RouterStatus
from routers.connection import router_session
from routers.models import Router
from routers.routeros.errors import RouterError


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


def publish_router(router: Router, event: str) -> None:
    """JSON for API clients; for pages, the badge and facts that replace theirs by id (the
    router page also gets its next-step line)."""
    payload = router_payload(router)
    for topic, with_next in (("routers", False), (f"router.{router.pk}", True)):
        html = render_to_string(
            "routers/partials/router_event.html", {"router": router, "with_next": with_next}
        )
        publish(current_tenant_id(), topic, event, payload, html=html)


def router_probe_run(ctx: JobContext) -> dict[str, Any]:
    router = Router.objects.get(pk=ctx.params["router_id"])
    if router.status in REACHED:
        return {"skipped": f"router is already {router.status}"}
    ctx.progress("probing", 0, f"probe {ctx.attempt} of {ctx.job.max_attempts}: {router.host}")
    try:
        with router_session(router, timeout=settings.ROUTER_PROBE_TIMEOUT) as api:
            resource = api.resource()
            board = api.routerboard()
    except RouterError as exc:
        Router.objects.filter(pk=router.pk).update(last_error=str(exc)[:500])
        raise RetryAfter(str(exc), router.probe_interval) from exc
    router.status = RouterStatus.ONLINE
    router.model = board.model or resource.board_name
    router.board = resource.board_name
    router.routeros_version = resource.version
    router.last_seen = timezone.now()
    router.last_error = ""
    with transaction.atomic():  # online and its discovery job appear together
        router.save(
            update_fields=[
                "status",
                "model",
                "board",
                "routeros_version",
                "last_seen",
                "last_error",
            ]
        )
        publish_router(router, "RouterConnected")
        publish_router(router, "RouterStatusUpdated")
        from provisioning.services import discovery_start

        discovery_start(router=router)  # interfaces ready for stage 4
    return {"status": router.status, "model": router.model, "version": router.routeros_version}


def router_probe_gave_up(job: Job) -> None:
    router = Router.objects.filter(pk=job.params.get("router_id")).first()
    if router is None or router.status in REACHED:
        return
    router.status = RouterStatus.CONNECTION_FAILED
    router.last_error = job.error[:500]
    router.save(update_fields=["status", "last_error"])
    publish_router(router, "RouterStatusUpdated")
