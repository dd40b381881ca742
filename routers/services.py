"""Router rules used by pages, API, commands and jobs."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.deletion import Collector, ProtectedError
from django.utils import timezone

from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_changes, audit_record
from radtik.jobs.context import JobContext, JobGiveUp
from radtik.jobs.models import Job
from radtik.jobs.selectors import job_live
from radtik.jobs.services import job_enqueue
from radtik.jobs.sweep import sweep_ensure
from routers.bootstrap import api_username, bootstrap_script
from routers.choices import DOWN, REACHED, HealthState, ImportWhat, RouterStatus
from routers.events import alert_publish, health_publish, router_publish
from routers.managed import ManagedItem
from routers.models import ADDRESS_TAKEN, NAME_TAKEN, PPPSecret, Router, RouterHealth

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
        host=host_normal(host),
        api_port=api_port or (8729 if use_tls else 8728),
        use_tls=use_tls,
        api_username=api_username(name.strip()),
        api_password=token,
        probe_interval=probe_interval or settings.ROUTER_PROBE_INTERVAL,
        probe_max_attempts=probe_max_attempts or settings.ROUTER_PROBE_ATTEMPTS,
    )
    router_validate(router)
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


def host_normal(host: str) -> str:
    """As stored: no spaces, host names in lower case (one router per address and port)."""
    return (host or "").strip().lower()


def router_validate(router: Router) -> None:
    """full_clean, with a taken name or address said beside its field (the constraints hold the
    same rules in the database)."""
    others = Router.objects.exclude(pk=router.pk)
    errors: dict[str, list[str]] = {}
    if router.name and others.filter(name__iexact=router.name).exists():
        errors["name"] = [NAME_TAKEN]
    if router.host and others.filter(host=router.host, api_port=router.api_port).exists():
        errors["host"] = [ADDRESS_TAKEN]
    try:
        router.full_clean(validate_constraints=not errors)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            known = errors.setdefault(field, [])
            known.extend(m for m in messages if m not in known)
    if errors:
        raise ValidationError(errors)


# What an edit may change. The API user keeps the name it was created with (the router has it);
# a new name is radtik's: the router's /system identity is the operator's to set to match.
EDITABLE = (
    "name",
    "host",
    "api_port",
    "use_tls",
    "radius_server",
    "probe_interval",
    "probe_max_attempts",
)
ADDRESS_FIELDS = ("host", "api_port", "use_tls")


def router_update(*, router: Router, actor: Any = None, **fields: Any) -> Router:
    """Name, address, RADIUS server and probing settings. A new address is probed at once."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise ValidationError({name: ["Not a field an edit may change."] for name in unknown})
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
    if "host" in fields:
        fields["host"] = host_normal(fields["host"])
    server = fields.get("radius_server")
    if server is not None and not server.active:
        raise ValidationError({"radius_server": [f"RADIUS server {server} is not active."]})
    moved = any(getattr(router, name) != fields[name] for name in ADDRESS_FIELDS if name in fields)
    changes = audit_changes({name: getattr(router, name) for name in fields}, fields)
    if not changes:
        return router
    old_host = router.host
    for name, value in fields.items():
        setattr(router, name, value)
    router_validate(router)
    with transaction.atomic():
        router.save()
        audit_record(actor=actor, action=AuditAction.ROUTER_UPDATE, obj=router, changes=changes)
        router_publish(router, "RouterStatusUpdated")
        if moved:
            router_probe_start(router=router, actor=actor)
        if router.host != old_host:
            for listener in _host_listeners:
                listener(router, old_host, actor)
    return router


# Other apps that keep a router's address outside its row (provisioning: the RADIUS clients a
# deployment registered), told in the edit's transaction: `listener(router, old_host, actor)`.
_host_listeners: list[Callable[[Router, str, Any], None]] = []


def router_host_listener_add(listener: Callable[[Router, str, Any], None]) -> None:
    if listener not in _host_listeners:
        _host_listeners.append(listener)


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


# -- delete --------------------------------------------------------------------------------------
# What other apps keep of a router outside its rows, each removed by a step of theirs before the
# row goes: `step(router) -> str` (what it did, for the job's log), idempotent (a retried job
# runs it again). provisioning: its RADIUS client; accounting: its sessions.
_delete_steps: list[Callable[[Router], str]] = []


def router_delete_step_add(step: Callable[[Router], str]) -> None:
    if step not in _delete_steps:
        _delete_steps.append(step)


def router_delete_refusal(router: Router) -> str:
    """Why the router cannot go yet ('' if it can): what still depends on it."""
    moved = PPPSecret.objects.filter(router=router, moved_to_radius_at__isnull=False).count()
    if moved:
        return (
            f"{moved} PPP secret(s) of router {router.name} were moved to RADIUS and log in "
            f"there under its name: move them back or delete them from RADIUS first."
        )
    collector = Collector(using="default")
    try:
        collector.collect([router])
    except ProtectedError as exc:
        held = sorted({f"{o._meta.verbose_name} {o}" for o in exc.protected_objects})
        shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
        return f"Router {router.name} is still used by {shown}: change or delete those first."
    return ""


def router_delete_start(*, router: Router, actor: Any = None) -> Job:
    """Queue the router's removal (its RADIUS client is on the agent: never in a web request).
    Refused in words while something depends on it; asking twice gives the same job."""
    from routers.tasks import DeleteRouter  # tasks imports this module

    refusal = router_delete_refusal(router)
    if refusal:
        raise ValidationError(refusal)
    running = job_live(kind=DeleteRouter, target=router)
    if running is not None:
        return running
    return job_enqueue(
        kind=DeleteRouter,
        target=router,
        requested_by=actor,
        params={"router_id": router.pk, "name": router.name},
    )


def router_delete_run(ctx: JobContext) -> dict[str, Any]:
    """Job body: the other apps' steps, then the row (and with it its configurations, imports,
    interfaces, health and samples)."""
    router = Router.objects.filter(pk=ctx.params["router_id"]).first()
    if router is None:  # deleted by an attempt that died before reporting
        return {"deleted": ctx.params["name"]}
    refusal = router_delete_refusal(router)
    if refusal:  # something came to depend on it since it was asked: no retry changes that
        raise JobGiveUp(refusal)
    for number, step in enumerate(_delete_steps, start=1):
        done = step(router)
        ctx.progress("cleaning", 10 + 80 * number // (len(_delete_steps) + 1), done)
    with transaction.atomic():
        audit_record(actor=ctx.job.requested_by, action=AuditAction.ROUTER_DELETE, obj=router)
        router_publish(router, "RouterDeleted")
        router.delete()
    return {"deleted": ctx.params["name"]}


def router_probe_start(*, router: Router, actor: Any = None) -> Job:
    """(Re)start probing: one Job whose attempts are the probes, `probe_interval` apart."""
    from routers.tasks import ProbeRouter  # tasks imports this module

    # A deployed router is health-checked anyway: asking to verify it checks it at once.
    RouterHealth.objects.filter(router=router).update(due_at=timezone.now())
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


# -- health (routers.health_sweep runs the checks) ----------------------------------------------
_drift_repairers: list[Callable[..., Job]] = []


def router_managed_record(
    *, router: Router, items: list[ManagedItem], config_version: int | None = None
) -> RouterHealth:
    """A deployment finished: remember what it manages and watch the router from now on (its
    first check is due at once)."""
    from routers.health_sweep import HEALTH_SWEEP_NAME  # the sweep imports this module

    health, _ = RouterHealth.objects.update_or_create(
        router=router,
        defaults={
            "managed": [item.spec() for item in items],
            "config_version": config_version,
            "due_at": timezone.now(),
            "checks": 0,
        },
    )
    transaction.on_commit(lambda: sweep_ensure(HEALTH_SWEEP_NAME), robust=True)
    return health


def router_health_set(*, health: RouterHealth, state: str, reason: str) -> RouterHealth:
    """The one way a watched router's health state changes: saved with its reason and the
    transition time, audited, told to the list and the router page, and, when it comes back
    after a RouterDown alert, RouterUp for the notifications."""
    if state not in HealthState.values:
        raise ValidationError({"state": [f"Choose one of: {', '.join(HealthState.values)}."]})
    old, now = health.state, timezone.now()
    if old == state:
        return health
    router = health.router
    went_down_at = health.down_since
    health.state, health.reason, health.since = state, reason[:500], now
    if state in DOWN and old not in DOWN:
        health.down_since = now
    alerted = health.down_alerted_at is not None
    if state not in DOWN:
        health.down_since = health.down_alerted_at = None
    with transaction.atomic():
        health.save(update_fields=["state", "reason", "since", "down_since", "down_alerted_at"])
        audit_record(
            actor=None,
            action=AuditAction.ROUTER_HEALTH,
            obj=router,
            changes={"health": {"old": old, "new": state}, "reason": health.reason},
        )
        health_publish(router, health, "RouterHealthChanged")
        if alerted and went_down_at is not None:
            alert_publish(router, health, "RouterUp", since=went_down_at)
    return health


def router_down_alert_due(*, health: RouterHealth, alert_after: timedelta) -> bool:
    """Alert once per outage: RouterDown when a router has been down `alert_after`."""
    if health.state not in DOWN or health.down_since is None or health.down_alerted_at:
        return False
    if timezone.now() - health.down_since < alert_after:
        return False
    health.down_alerted_at = timezone.now()
    with transaction.atomic():
        health.save(update_fields=["down_alerted_at"])
        alert_publish(health.router, health, "RouterDown", since=health.down_since)
    return True


def router_drift_repairer_add(repair: Callable[..., Job]) -> None:
    """`repair(router=, actor=)` queues what restores a router's managed configuration (the
    deploy, registered by provisioning: routers never imports it)."""
    if repair not in _drift_repairers:
        _drift_repairers.append(repair)


def router_drift_repair(*, router: Router, actor: Any = None) -> Job:
    """Re-run the deployment: the health check only reports drift, never repairs it itself."""
    if not _drift_repairers:
        raise ValidationError("Nothing can redeploy this router: provisioning is not installed.")
    if not RouterHealth.objects.filter(router=router).exists():
        raise ValidationError(f"Router {router.name} has not been deployed yet: deploy it first.")
    return _drift_repairers[0](router=router, actor=actor)
