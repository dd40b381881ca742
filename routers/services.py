"""Router rules used by pages, API, commands and jobs."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_record
from radtik.jobs.models import Job
from radtik.jobs.selectors import job_live
from radtik.jobs.services import job_enqueue
from radtik.writes import fields_update
from routers.bootstrap import api_username, bootstrap_script
from routers.choices import REACHED, ImportWhat, RouterStatus
from routers.events import router_publish
from routers.models import Router

IMPORTABLE = (
    RouterStatus.ONLINE,
    RouterStatus.ACTIVE,
    RouterStatus.CONNECTION_FAILED,
    RouterStatus.FAILED,
)


def router_import_start(
    *, router: Router, what: str, actor: Any = None, foreground: bool = False
) -> Job:
    """Queue an import of pools and/or PPP secrets; the caller answers 202 with the job.

    `foreground` only records the job, for a command that runs it itself.
    """
    from routers.tasks import ImportFromRouter  # tasks imports this module

    if what not in ImportWhat.values:
        raise ValidationError({"what": [f"Choose one of: {', '.join(ImportWhat.values)}."]})
    if router.status == RouterStatus.CONFIG_PENDING:
        raise ValidationError(
            f"Router {router.name} has not been reached yet: apply its bootstrap script first."
        )
    with transaction.atomic():
        audit_record(
            actor=actor, action=AuditAction.ROUTER_IMPORT, obj=router, changes={"what": what}
        )
        return job_enqueue(
            kind=ImportFromRouter,
            target=router,
            requested_by=actor,
            params={"router_id": router.pk, "what": what},
            foreground=foreground,
        )


@dataclass(frozen=True)
class RouterCreation:
    router: Router
    token: str  # shown once, with the script
    script: str
    probe_job: Job


def router_create(
    *,
    name: str,
    host: str,
    api_port: int | None = None,
    use_tls: bool = False,
    probe_interval: int | None = None,
    probe_max_attempts: int | None = None,
    actor: Any = None,
) -> RouterCreation:
    """Stage 1: record the router, generate its API token and bootstrap script, start probing."""
    token = _new_token()
    router = Router(
        name=name.strip(),
        host=host.strip(),
        api_port=api_port or (8729 if use_tls else 8728),
        use_tls=use_tls,
        api_username=api_username(name.strip()),
        api_password=token,
        probe_interval=probe_interval or settings.ROUTER_PROBE_INTERVAL,
        probe_max_attempts=probe_max_attempts or settings.ROUTER_PROBE_ATTEMPTS,
    )
    router.full_clean()
    with transaction.atomic():
        router.save()
        audit_record(
            actor=actor,
            action=AuditAction.ROUTER_CREATE,
            obj=router,
            changes={"host": router.host, "api_port": router.api_port},
        )
        job = router_probe_start(router=router, actor=actor)
    return RouterCreation(router=router, token=token, script=_script(router, token), probe_job=job)


def router_update(*, router: Router, actor: Any = None, **fields: Any) -> Router:
    """Connection and probing settings; the name (its API user) and status are not fields here."""
    return fields_update(obj=router, fields=fields, action=AuditAction.ROUTER_UPDATE, actor=actor)


def router_rotate_token(*, router: Router, actor: Any = None) -> RouterCreation:
    """A new token (and script); the router is unreachable until the new script is applied."""
    token = _new_token()
    with transaction.atomic():
        router.api_password = token
        router.save(update_fields=["api_password"])
        audit_record(actor=actor, action=AuditAction.ROUTER_ROTATE_TOKEN, obj=router)
        router_status_set(router=router, status=RouterStatus.CONFIG_PENDING, actor=actor)
        job = router_probe_start(router=router, actor=actor)
    return RouterCreation(router=router, token=token, script=_script(router, token), probe_job=job)


def router_probe_start(*, router: Router, actor: Any = None) -> Job:
    """(Re)start probing: one Job whose attempts are the probes, `probe_interval` apart."""
    from routers.tasks import ProbeRouter  # tasks imports this module

    running = job_live(kind=ProbeRouter, target=router)
    if running is not None:
        return running
    if router.status == RouterStatus.CONNECTION_FAILED:
        router_status_set(router=router, status=RouterStatus.CONFIG_PENDING, actor=actor)
    return job_enqueue(
        kind=ProbeRouter,
        target=router,
        requested_by=actor,
        params={"router_id": router.pk},
        max_attempts=router.probe_max_attempts,
    )


def router_status_set(
    *,
    router: Router,
    status: str,
    error: str | None = None,
    facts: dict[str, Any] | None = None,
    actor: Any = None,
) -> Router:
    """The one way a router's status changes: saved with its last error (None keeps it) and any
    facts read from the router, audited, and told to the router list and page. Reaching a
    router that was not reached before is announced as RouterConnected first."""
    if status not in RouterStatus.values:
        raise ValidationError({"status": [f"Choose one of: {', '.join(RouterStatus.values)}."]})
    old = router.status
    router.status = status
    fields = ["status"]
    if error is not None:
        router.last_error = error[:500]
        fields.append("last_error")
    for name, value in (facts or {}).items():
        setattr(router, name, value)
        fields.append(name)
    with transaction.atomic():
        router.save(update_fields=fields)
        if old != status:
            audit_record(
                actor=actor,
                action=AuditAction.ROUTER_STATUS,
                obj=router,
                changes={"status": {"old": old, "new": status}},
            )
        if status == RouterStatus.ONLINE and old not in REACHED:
            router_publish(router, "RouterConnected")
        router_publish(router, "RouterStatusUpdated")
    return router


def _new_token() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def _script(router: Router, token: str) -> str:
    return bootstrap_script(router_name=router.name, token=token, use_tls=router.use_tls)
