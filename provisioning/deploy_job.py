"""The deploy job: stages published in order, router status kept in step with the outcome."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from provisioning.models import RouterConfig
from provisioning.plan_apply import DeployFailed, apply_plan, build_plan, verify
from radius.client import AgentError
from radius.models import RadiusServer
from radius.services import radius_client_register
from radtik.crypto import decrypt
from radtik.jobs.context import JobContext
from routers.choices import RouterStatus
from routers.connection import router_session
from routers.models import Router
from routers.routeros.errors import RouterError
from routers.services import router_status_set


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


def router_deploy_run(ctx: JobContext) -> dict[str, Any]:
    router = Router.objects.get(pk=ctx.params["router_id"])
    config = RouterConfig.objects.get(pk=ctx.params["config_id"], router=router)
    _set_status(router, RouterStatus.PROVISIONING)
    ctx.progress("verifying", 10, f"configuration v{config.version} for {router.name}")
    try:
        with router_session(router, timeout=settings.ROUTER_API_TIMEOUT) as api:
            ctx.progress("connected", 20, f"connected to {router.host}")
            plan = build_plan(api, config.config)
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
            verify(api, config.config)
        _register_with_radius(ctx, router, config.config)
    except (DeployFailed, RouterError) as exc:
        _set_status(router, RouterStatus.FAILED, str(exc))
        raise
    _set_status(router, RouterStatus.ACTIVE)
    ctx.progress("completed", 100, "no changes" if not changes else "deployment verified")
    return {
        "changed": len(changes),
        "items": [s.describe() for s in plan],
        "config_version": config.version,
    }
