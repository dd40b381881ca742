"""Deployed routers stay watched: the health sweep against simulated routers, through the real
cluster (every check a real API session)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from radtik.audit.models import AuditEntry
from radtik.tenancy import tenant_id_for_schema
from routers.models import Router, RouterHealth, RouterSample
from routers.services import router_managed_record
from tenants.models import Tenant
from tenants.services import tenant_set_status
from tests.routers.health_support import (
    INTERVAL,
    deployed_router,
    health_of,
    wait_health,
)
from tests.support.events import GroupListener
from tests.support.jobs import wait_job
from tests.support.waiting import wait_for

pytestmark = pytest.mark.usefixtures("live_db", "qcluster", "short_interval")


@pytest.fixture
def short_interval(tenants):
    Tenant.objects.filter(slug__in=["alpha", "beta"]).update(
        router_health_interval=INTERVAL, router_down_minutes=0
    )
    yield
    Tenant.objects.filter(slug__in=["alpha", "beta"]).update(
        router_health_interval=30, router_down_minutes=5
    )
    for schema in ("alpha", "beta"):  # nothing left to watch: the sweep's chain ends
        with schema_context(schema):
            RouterHealth.objects.all().delete()


@pytest.fixture
def sim(routeros_router):
    return routeros_router


@pytest.fixture
def watched(sim):
    router = deployed_router(sim, "edge-1")
    wait_health(router.pk, "online")
    return router


def test_a_stopped_router_goes_offline_within_two_checks_and_back_online_within_one(sim, watched):
    before = health_of(watched.pk)
    assert before.cpu_load is not None and before.uptime > 0  # live data of the last check
    alerts = GroupListener(f"tenant.{tenant_id_for_schema('alpha')}.routers")
    sim.stop_listening()
    offline = wait_health(watched.pk, "offline")
    assert offline.checks - before.checks <= 2  # checks run INTERVAL s apart
    assert "refused the connection" in offline.reason
    assert offline.since is not None and offline.down_since == offline.since
    seen = offline.router.last_seen

    sim.start_listening()
    online = wait_health(watched.pk, "online")
    assert online.checks - offline.checks <= 1
    assert online.reason == "" and online.router.last_seen > seen
    with schema_context("alpha"):
        trail = list(
            AuditEntry.objects.filter(action="router.health", object_id=str(watched.pk))
            .order_by("id")
            .values_list("changes", flat=True)
        )
    assert [c["health"]["new"] for c in trail] == ["online", "offline", "online"]
    # The alert hook (router_down_minutes is 0 here): one RouterDown, one RouterUp.
    with alerts:
        up = alerts.wait_for("RouterUp", timeout=30)["payload"]
        down = alerts.wait_for("RouterDown")["payload"]
    assert [e for _, e in alerts.events() if e in ("RouterDown", "RouterUp")] == [
        "RouterDown",
        "RouterUp",
    ]
    assert down["router"] == {"id": watched.pk, "name": "edge-1", "host": sim.host}
    assert down["tenant"]["schema"] == "alpha" and down["state"] == "offline"
    assert up["since"] == down["since"] == offline.since.isoformat()


def test_a_router_whose_api_user_was_removed_shows_auth_failed_with_that_reason(sim, watched):
    (user,) = sim.state.find("/user", name=watched.api_username)
    sim.state.remove_rows("/user", [user[".id"]])
    health = wait_health(watched.pk, "auth_failed")
    assert f"refuses radtik's API user '{watched.api_username}'" in health.reason
    assert "Rotate the token" in health.reason


def test_a_removed_managed_item_shows_drift_and_a_redeploy_restores_it(
    sim, watched, make_user, tenant_client
):
    (hotspot,) = sim.state.find("/ip/hotspot", name="radtik-hs-ether2")
    sim.state.remove_rows("/ip/hotspot", [hotspot[".id"]])
    health = wait_health(watched.pk, "degraded")
    assert "Configuration drift: /ip/hotspot name=radtik-hs-ether2 is missing" in health.reason
    assert sim.state.find("/ip/hotspot", name="radtik-hs-ether2") == []  # the check left it

    client = tenant_client("alpha", make_user("alpha", "fixer", role="admin"))
    response = client.post(f"/api/routers/{watched.pk}/repair-drift/")
    assert response.status_code == 202, response.content
    assert wait_job(response.json()["job"]["id"], timeout=60).status == "succeeded"
    wait_health(watched.pk, "online")
    assert len(sim.state.find("/ip/hotspot", name="radtik-hs-ether2")) == 1


def test_a_changed_managed_item_names_the_field(sim, watched):
    (pool,) = sim.state.find("/ip/pool", name="radtik-hs-pool")
    sim.state.set_row("/ip/pool", pool[".id"], {"ranges": "10.9.0.2-10.9.0.9"})
    health = wait_health(watched.pk, "degraded")
    assert "ranges is '10.9.0.2-10.9.0.9' (deployed '10.5.50.2-10.5.50.254')" in health.reason


def test_high_cpu_is_degraded_and_live_data_builds_the_series(sim, watched):
    sim.state.cpu_load = 97
    health = wait_health(watched.pk, "degraded")
    assert "CPU at 97%" in health.reason
    sim.state.cpu_load = None
    health = wait_health(watched.pk, "online")
    assert health.rx_bps > 0 and health.tx_bps > 0  # counters moved between two checks
    ether1 = next(i for i in health.interfaces if i["name"] == "ether1")
    assert ether1["rx_bps"] > 0
    with schema_context("alpha"):
        samples = RouterSample.objects.filter(router_id=watched.pk, resolution=0)
        assert samples.filter(cpu_load=97).exists()
        assert samples.filter(rx_bps__gt=0).exists()


def test_a_suspended_tenants_routers_are_not_contacted(routeros_farm, sim, watched, tenants):
    (other,) = routeros_farm(1)
    with schema_context("beta"):
        router = Router.objects.create(
            name="beta-1",
            host=other.host,
            api_port=other.port,
            api_username="api-beta-1",
            api_password="not-on-the-router",
        )
    beta = tenants["beta"]
    tenant_set_status(tenant=beta, status="suspended")
    try:
        with schema_context("beta"):
            router_managed_record(router=router, items=[])
        start = health_of(watched.pk).checks
        wait_for(lambda: health_of(watched.pk).checks >= start + 3, what="three alpha checks")
        assert other.connections_accepted == 0
        assert health_of(router.pk, "beta").checks == 0
    finally:
        tenant_set_status(tenant=beta, status="active")
    # The same router is checked once its tenant is active again (the test would see contact).
    wait_for(lambda: other.connections_accepted > 0, what="beta's router contacted")
    wait_health(router.pk, "auth_failed", schema="beta")
