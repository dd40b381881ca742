"""The deploy job: stages published in order, router status kept in step with the outcome."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from provisioning.models import RouterConfig
from provisioning.plan import desired_items
from provisioning.plan_apply import DeployFailed, apply_plan, build_plan, verify
from provisioning.services import config_as_deployed
from radius.client import AgentError
from radius.models import RadiusServer
from radius.services import radius_client_register, radius_client_remove
from radtik.crypto import decrypt
from radtik.jobs.context import JobContext
from routers.choices import RouterStatus
from routers.connection import router_session
from routers.managed import ManagedItem
from routers.models import Router
from routers.routeros.errors import RouterError
from routers.services import router_managed_record, router_status_set


def _set_status(router: Router, status: str, error: str = "") -> None:
    router_status_set(router=router, status=status, error=error)


def _register_with_radius(ctx: JobContext, router: Router, config: dict[str, Any]) -> None:
    """A router that authenticates against radtik's RADIUS server becomes its client."""
    radius = config.get("radius") or {}
    if not radius.get("server_id"):
        return
    server = RadiusServer.objects.get(pk=radius["server_id"])
    try:
        address = radius_client_register(
            server=server,
            host=router.host,
            secret=decrypt(radius["secret_encrypted"]),
            name=router.name,
        )
    except AgentError as exc:
        raise DeployFailed(
            f"the router is configured, but RADIUS server {server.name} could not be told: {exc}"
        ) from None
    ctx.progress("radius_client", 95, f"{address} is a client of RADIUS server {server.name}")


def _servers_named(router: Router) -> list[RadiusServer]:
    """The RADIUS servers the router is, or may have been registered with: its own and every
    one a configuration of it named."""
    ids = {router.radius_server_id} if router.radius_server_id else set()
    for config in router.configs.all():
        ids.add((config.config.get("radius") or {}).get("server_id"))
    return list(RadiusServer.objects.filter(pk__in=[i for i in ids if i]))


def _clients_remove(router: Router, host: str) -> list[str]:
    """`host` stops being a client of those servers. A server down raises: the job retries."""
    done = []
    for server in _servers_named(router):
        try:
            removed = radius_client_remove(server=server, host=host)
        except AgentError as exc:
            raise AgentError(f"RADIUS server {server.name} could not be told: {exc}") from None
        done.append(f"{'removed from' if removed else 'was not a client of'} {server.name}")
    return done


def router_radius_client_remove(router: Router) -> str:
    """A router being deleted stops being a client of every RADIUS server a configuration of
    it named (registered at deployment)."""
    done = _clients_remove(router, router.host)
    return f"RADIUS client {router.host}: {', '.join(done)}" if done else "no RADIUS client"


def router_radius_client_move(ctx: JobContext) -> dict[str, Any]:
    """Job body after a router's address was edited: the old address stops being a RADIUS
    client, and the deployed configuration's server (if it has one) knows the new one, so the
    router logs users in from its new address without a redeploy. Idempotent."""
    router = Router.objects.filter(pk=ctx.params["router_id"]).first()
    if router is None:
        return {"moved": False}
    old_host = ctx.params["old_host"]
    removed = _clients_remove(router, old_host) if old_host != router.host else []
    ctx.progress("old_address", 50, f"RADIUS client {old_host}: {', '.join(removed) or 'none'}")
    version = getattr(getattr(router, "health", None), "config_version", None)
    config = router.configs.filter(version=version).first() if version else None
    registered = ""
    if config is not None and (config.config.get("radius") or {}).get("server_id"):
        _register_with_radius(ctx, router, config.config)
        registered = router.host
    return {"removed": removed, "registered": registered}


def router_deploy_run(ctx: JobContext) -> dict[str, Any]:
    router = Router.objects.get(pk=ctx.params["router_id"])
    config = RouterConfig.objects.get(pk=ctx.params["config_id"], router=router)
    wanted = config_as_deployed(config.config)
    _set_status(router, RouterStatus.PROVISIONING)
    ctx.progress("verifying", 10, f"configuration v{config.version} for {router.name}")
    try:
        with router_session(router, timeout=settings.ROUTER_API_TIMEOUT) as api:
            ctx.progress("connected", 20, f"connected to {router.host}")
            plan = build_plan(api, wanted)
            changes = [s for s in plan if s.action != "unchanged"]
            ctx.progress(
                "deploying",
                40,
                f"{len(changes)} of {len(plan)} item(s) to change" if changes else "no changes",
            )

            def on_step(number: int, total: int, step) -> None:
                ctx.log(f"step {number}/{total}: {step.action} {step.item.label}")

            apply_plan(api, plan, on_step)
            ctx.progress("deployed", 70, f"{len(changes)} change(s) applied")
            ctx.progress("verifying_deployment", 85, "reading back every item")
            verify(api, wanted)
        _register_with_radius(ctx, router, config.config)
    except (DeployFailed, RouterError) as exc:
        _set_status(router, RouterStatus.FAILED, str(exc))
        raise
    # What the health check compares from now on (drift), in routers' terms.
    managed = [ManagedItem(i.path, i.key, i.fields, i.secret_fields) for i in desired_items(wanted)]
    router_managed_record(router=router, items=managed, config_version=config.version)
    _set_status(router, RouterStatus.ACTIVE)
    ctx.progress("completed", 100, "no changes" if not changes else "deployment verified")
    return {
        "changed": len(changes),
        "items": [s.describe() for s in plan],
        "config_version": config.version,
    }
