"""A failed deploy leaves the router as it found it, items it changed included: through the API,
the real cluster and the RouterOS simulator."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from radius.services import radius_server_create
from routers.models import Router
from tests.routers.test_onboarding import service_config
from tests.support.jobs import wait_job

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")


def test_failed_deploy_restores_the_items_it_modified(
    routeros_farm, make_user, tenant_client, radius_agent
):
    sim = routeros_farm(1)[0]
    client = tenant_client("alpha", make_user("alpha", "owner", role="admin"))
    agent = radius_agent()
    with schema_context("alpha"):
        server = radius_server_create(
            name="radius-1", host="192.0.2.10", api_base_url=agent.url, token=agent.token
        ).server
        router = Router.objects.create(
            name="edge-9",
            host=sim.host,
            api_port=sim.port,
            api_username=sim.username,
            api_password=sim.password,
            status="online",
        )
    discovery = client.post(f"/api/routers/{router.pk}/interfaces/")
    assert discovery.status_code == 202
    assert wait_job(discovery.json()["job"]["id"]).status == "succeeded"
    config = client.post(
        f"/api/routers/{router.pk}/generate-service-config/",
        service_config(server.pk),
        content_type="application/json",
    )
    assert config.status_code == 201, config.content

    # What an earlier, hand-made setup left: items the deploy will change, not create.
    sim.state.add_row("/ip/pool", {"name": "radtik-hs-pool", "ranges": "10.9.9.2-10.9.9.50"})
    sim.state.add_row(
        "/ip/hotspot/profile",
        {"name": "radtik-hs", "hotspot-address": "10.9.9.1", "login-by": "cookie"},
    )
    sim.state.add_row(
        "/radius",
        {"address": "192.0.2.10", "secret": "old-shared", "service": "hotspot", "timeout": "1s"},
    )
    sim.state.set_singleton("/ppp/aaa", {"use-radius": False, "interim-update": "0s"})
    before = sim.state.snapshot()
    sim.faults.trap_on["/ppp/aaa/set"] = None  # the last step, once all others are applied

    deploy = client.post(f"/api/routers/{router.pk}/deploy-service-config/")
    assert deploy.status_code == 202
    job = wait_job(deploy.json()["job"]["id"])
    assert job.status == "failed"
    assert "step 33 of 33 (update /ppp/aaa) failed" in job.error, job.error
    assert "32 earlier step(s) undone" in job.error
    assert sim.state.snapshot() == before
    (pool,) = sim.state.find("/ip/pool", name="radtik-hs-pool")
    assert pool["ranges"] == "10.9.9.2-10.9.9.50"
    (radius,) = sim.state.rows("/radius")
    assert radius["secret"] == "old-shared" and radius["service"] == "hotspot"

    sim.faults.clear()
    retried = client.post(f"/api/routers/{router.pk}/deploy-service-config/")
    job = wait_job(retried.json()["job"]["id"])
    assert job.status == "succeeded", job.error
    (radius,) = sim.state.rows("/radius")
    assert radius["secret"] == "S3cret-shared"
