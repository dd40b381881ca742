"""Stages 3-5: discovery, service configuration, deployment jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from provisioning.config import RadiusEndpoint, validate_service_config
from provisioning.models import RouterConfig, RouterInterface
from radius.models import RadiusServer
from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_record
from radtik.events import publish
from radtik.jobs.context import JobContext
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue
from radtik.natural import natural_key
from radtik.tenancy import current_tenant_id
from routers.choices import RouterStatus
from routers.connection import router_session
from routers.events import router_topic
from routers.models import Router
from tenants.selectors import tenant_radius_interim_interval

REACHABLE = (RouterStatus.ONLINE, RouterStatus.ACTIVE, RouterStatus.FAILED)
SECTIONS = ("hotspot", "pppoe")  # the services that run on chosen interfaces


def router_interfaces(*, router: Router) -> list[RouterInterface]:
    """The interfaces found by the last discovery (no router call: pages never wait on one)."""
    return sorted(router.interfaces.all(), key=lambda i: natural_key(i.name))


def interfaces_stale(router: Router) -> bool:
    newest = router.interfaces.order_by("-discovered_at").first()
    return newest is None or newest.discovered_at < timezone.now() - timedelta(
        seconds=settings.DISCOVERY_TTL
    )


def discovery_start(*, router: Router, actor: Any = None) -> Job:
    from provisioning.tasks import DiscoverInterfaces  # tasks imports this module

    if router.status not in REACHABLE:
        raise ValidationError(
            f"Router {router.name} is {router.status}: discovery needs it online."
        )
    return job_enqueue(
        kind=DiscoverInterfaces, target=router, requested_by=actor, params={"router_id": router.pk}
    )


def discovery_run(ctx: JobContext) -> dict[str, Any]:
    """Job body: read identity, resource and interfaces; replace the cached interfaces."""
    router = Router.objects.get(pk=ctx.params["router_id"])
    ctx.progress("discovering", 20, f"reading interfaces of {router.name}")
    with router_session(router, timeout=settings.ROUTER_API_TIMEOUT) as api:
        found = api.interfaces()
        resource = api.resource()
        identity = api.identity()
    now = timezone.now()
    with transaction.atomic():
        router.interfaces.all().delete()
        RouterInterface.objects.bulk_create(
            RouterInterface(
                router=router,
                name=i.name,
                type=i.type,
                running=i.running,
                disabled=i.disabled,
                mac_address=i.mac_address or "",
                discovered_at=now,
            )
            for i in found
        )
        router.routeros_version = resource.version
        router.save(update_fields=["routeros_version"])
        publish_interfaces(router)
    return {
        "identity": identity.name,
        "version": resource.version,
        "interfaces": [
            {"name": i.name, "type": i.type, "running": i.running}
            for i in sorted(found, key=lambda i: natural_key(i.name))
        ],
    }


def discovery_gave_up(job: Job) -> None:
    router = Router.objects.filter(pk=job.params.get("router_id")).first()
    if router is not None:
        publish_interfaces(router, error=job.error)


def publish_interfaces(router: Router, *, error: str = "") -> None:
    """Tell the router's page what discovery found (provisioning.fragments renders stage 3's
    table and stage 4's selects, which keep the saved configuration's choices)."""
    interfaces = router_interfaces(router=router)
    config = router.configs.first()
    saved = config.config if config else {}
    payload = {
        "router_id": router.pk,
        "interfaces": [
            {"name": i.name, "type": i.type, "running": i.running, "disabled": i.disabled}
            for i in interfaces
        ],
        "discovered_at": interfaces[0].discovered_at.isoformat() if interfaces else None,
        "stale": interfaces_stale(router),
        "selected": {section: saved.get(section, {}).get("interfaces", []) for section in SECTIONS},
        "error": error[:500],
    }
    publish(current_tenant_id(), router_topic(router), "RouterInterfacesDiscovered", payload)


def service_config_create(
    *, router: Router, data: dict[str, Any], actor: Any = None, portal_url: str = ""
) -> RouterConfig:
    """`portal_url`: this account's captive portal as customers reach it (the request's own
    address), where the router's login page sends them."""
    known = set(router.interfaces.values_list("name", flat=True))
    servers = {
        s.pk: RadiusEndpoint(s.host, s.auth_port, s.acct_port)
        for s in RadiusServer.objects.filter(active=True)
    }
    config = validate_service_config(
        data, interfaces=known, radius_servers=servers, portal_url=portal_url
    )
    if "radius" in config:
        # The version deploys what it says: the tenant's accounting interval as of now.
        config["radius"]["interim_interval"] = tenant_radius_interim_interval()
    with transaction.atomic():
        version = (router.configs.aggregate(v=Max("version"))["v"] or 0) + 1
        saved = RouterConfig.objects.create(
            router=router,
            version=version,
            config=config,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if "radius" in config:
            router.radius_server_id = config["radius"]["server_id"]
            router.save(update_fields=["radius_server"])
        audit_record(
            actor=actor, action=AuditAction.ROUTER_CONFIG, obj=saved, changes={"version": version}
        )
    return saved


def deploy_start(*, router: Router, config: RouterConfig | None = None, actor: Any = None) -> Job:
    from provisioning.tasks import DeployRouter  # tasks imports this module

    config = config or router.configs.first()
    if config is None:
        raise ValidationError("Save a service configuration before deploying.")
    if router.status not in REACHABLE:
        raise ValidationError(f"Router {router.name} is {router.status}; it must be online.")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.ROUTER_DEPLOY,
            obj=router,
            changes={"config_version": config.version},
        )
        return job_enqueue(
            kind=DeployRouter,
            target=router,
            requested_by=actor,
            params={"router_id": router.pk, "config_id": config.pk},
        )


def config_as_deployed(config: dict[str, Any]) -> dict[str, Any]:
    """A saved configuration with what the account sets elsewhere and the router shows: the
    portal's current title on the hotspot's login page (billing's portal settings), else the
    title saved with the router's service configuration."""
    hotspot = config.get("hotspot")
    if not hotspot:
        return config
    from billing.selectors import portal_settings  # billing's read; provisioning owns no look

    title = portal_settings().title or hotspot.get("portal_title", "")
    return {**config, "hotspot": {**hotspot, "portal_title": title}}


def portal_url(request: Any) -> str:
    """The captive portal's address as the operator's browser reached this account."""
    from django.urls import reverse

    return request.build_absolute_uri(reverse("portal"))


def radius_client_move_start(router: Router, old_host: str, actor: Any = None) -> Job:
    """A router's address was edited: its RADIUS clients follow (a job: the agent is never
    called in a web request)."""
    from provisioning.tasks import MoveRadiusClient  # tasks imports this module

    return job_enqueue(
        kind=MoveRadiusClient,
        target=router,
        requested_by=actor,
        params={"router_id": router.pk, "old_host": old_host},
    )
