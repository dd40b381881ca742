"""Move imported PPP secrets to RADIUS: an explicit action, previewed first.

RouterOS checks its local secrets before asking RADIUS, so the move writes each secret to the
RADIUS agent and then, if asked, disables the local copy on the router.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from radius.client import agent_client_for
from radius.models import RadiusServer
from radius.namespace import radius_users_send, usernames_taken
from radius.users import RadiusLimits, RadiusUser, radius_user
from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_record
from radtik.jobs.context import JobContext
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue
from routers.connection import router_session
from routers.models import PPPProfile, PPPSecret, Router
from routers.selectors import router_secrets_owner


def _candidates(router: Router, names: list[str] | None):
    secrets = PPPSecret.objects.filter(router=router, removed_at__isnull=True)
    return secrets.filter(name__in=names) if names else secrets


def secret_radius_user(
    secret: PPPSecret, router: Router, rate_limits: dict[str, str]
) -> RadiusUser:
    """A PPP secret has no time or data limits; its PPP profile's rate limit goes with it."""
    return radius_user(
        username=secret.name,
        password=secret.password,
        owner=router_secrets_owner(router),
        limits=RadiusLimits(rate_limit=rate_limits.get(secret.profile), simultaneous_use=1),
        groups=[secret.profile],
    )


def move_preview(*, router: Router, names: list[str] | None = None) -> dict[str, Any]:
    """What the move would write, without writing anything (passwords not shown)."""
    rate_limits = dict(PPPProfile.objects.filter(router=router).values_list("name", "rate_limit"))
    items, problems = [], []
    for secret in _candidates(router, names).order_by("name"):
        if not secret.password:
            problems.append({"name": secret.name, "reason": "no password on the router"})
            continue
        user = secret_radius_user(secret, router, rate_limits)
        items.append(
            {
                "name": secret.name,
                "profile": secret.profile or None,
                "rate_limit": user.limits.rate_limit,
                "disabled_on_router": secret.disabled,
                "already_moved": secret.moved_to_radius_at is not None,
            }
        )
    return {"count": len(items), "items": items, "skipped": problems}


def move_start(
    *,
    router: Router,
    server: RadiusServer,
    names: list[str] | None = None,
    disable_local: bool = False,
    actor: Any = None,
) -> Job:
    from routers.tasks import MoveSecretsToRadius  # tasks imports this module

    if not server.active:
        raise ValidationError({"server": ["This RADIUS server is disabled."]})
    candidates = list(_candidates(router, names).values_list("name", flat=True))
    if not candidates:
        raise ValidationError("There are no imported PPP secrets to move: import them first.")
    taken = usernames_taken(server=server, usernames=candidates, owner=router_secrets_owner(router))
    if taken:
        raise ValidationError({"names": sorted(taken.values())})
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.ROUTER_SECRETS_TO_RADIUS,
            obj=router,
            changes={
                "server": server.name,
                "disable_local": disable_local,
                "names": names or "all",
            },
        )
        return job_enqueue(
            kind=MoveSecretsToRadius,
            target=router,
            requested_by=actor,
            params={
                "router_id": router.pk,
                "server_id": server.pk,
                "names": names,
                "disable_local": disable_local,
            },
        )


def move_run(ctx: JobContext) -> dict[str, int]:
    router = Router.objects.get(pk=ctx.params["router_id"])
    server = RadiusServer.objects.get(pk=ctx.params["server_id"])
    rate_limits = dict(PPPProfile.objects.filter(router=router).values_list("name", "rate_limit"))
    secrets = [
        s for s in _candidates(router, ctx.params.get("names")).order_by("name") if s.password
    ]
    moved, failed = [], 0
    chunk = settings.VOUCHER_SYNC_CHUNK
    with agent_client_for(server) as agent:
        for start in range(0, len(secrets), chunk):
            part = secrets[start : start + chunk]
            result = radius_users_send(
                agent=agent,
                server=server,
                users=[secret_radius_user(s, router, rate_limits) for s in part],
            )
            bad = {e.index for e in result.errors}
            for error in result.errors:
                ctx.log(f"{part[error.index].name}: {error.reason}", level="warning")
            moved += [s for i, s in enumerate(part) if i not in bad]
            failed += len(bad)
            ctx.progress(
                "radius",
                int(50 * (start + len(part)) / max(len(secrets), 1)),
                f"{len(moved)} written to {server.name}",
            )
    PPPSecret.objects.filter(pk__in=[s.pk for s in moved]).update(
        moved_to_radius_at=timezone.now(), moved_to_radius_server=server
    )
    disabled = 0
    if ctx.params.get("disable_local") and moved:
        with router_session(router, timeout=settings.ROUTER_API_TIMEOUT) as api:
            for number, secret in enumerate(moved, start=1):
                if secret.router_id_on_device and not secret.disabled:
                    api.set("/ppp/secret", secret.router_id_on_device, disabled=True)
                    disabled += 1
                if number % 100 == 0:
                    ctx.progress(
                        "router",
                        50 + int(50 * number / len(moved)),
                        f"{number} local secret(s) disabled",
                    )
        PPPSecret.objects.filter(pk__in=[s.pk for s in moved]).update(disabled=True)
    return {"moved": len(moved), "failed": failed, "disabled_on_router": disabled}
