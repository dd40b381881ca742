"""Deployed routers on simulators for the health tests: onboarded and deployed through the real
probe and deploy jobs (hotspot on ether2, no RADIUS), checked every INTERVAL s."""

from __future__ import annotations

from django_tenants.utils import schema_context

from provisioning.config import validate_service_config
from provisioning.models import RouterConfig
from provisioning.services import deploy_start
from routers.models import Router, RouterHealth
from routers.services import router_create
from tests.support.jobs import wait_job
from tests.support.waiting import wait_for

INTERVAL = 2  # seconds: the tenants' health interval in these tests
HOTSPOT = {
    "hotspot": {
        "enabled": True,
        "interfaces": ["ether2"],
        "portal_title": "Test",
        "login_methods": ["http-chap"],
        "address_pool": "10.5.50.2-10.5.50.254",
        "gateway": "10.5.50.1",
        "wan_interface": "ether1",
    }
}


def health_of(router_id: int, schema: str = "alpha") -> RouterHealth | None:
    with schema_context(schema):
        return RouterHealth.objects.select_related("router").filter(router_id=router_id).first()


def wait_health(router_id: int, state: str, *, schema: str = "alpha", timeout: float = 60):
    def reached():
        health = health_of(router_id, schema)
        return health if health is not None and health.state == state else None

    return wait_for(reached, timeout=timeout, what=f"{state}: {health_of(router_id, schema)}")


def deploy(router: Router, schema: str = "alpha") -> None:
    with schema_context(schema):
        job = deploy_start(router=Router.objects.get(pk=router.pk))
    assert wait_job(job.pk, schema=schema, timeout=60).status == "succeeded"


def deployed_router(sim, name: str, schema: str = "alpha") -> Router:
    with schema_context(schema):
        made = router_create(name=name, host=sim.host, api_port=sim.port, probe_interval=1)
    sim.apply_bootstrap(identity=name, api_user=made.router.api_username, password=made.token)
    assert wait_job(made.probe_job.pk, schema=schema, timeout=60).status == "succeeded"
    with schema_context(schema):
        router = Router.objects.get(pk=made.router.pk)
        config = validate_service_config(
            HOTSPOT, interfaces={"ether1", "ether2"}, radius_servers={}
        )
        RouterConfig.objects.create(router=router, version=1, config=config)
    deploy(router, schema)
    return router
