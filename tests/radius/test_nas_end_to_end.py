"""Vouchers from radtik to a router's login page: a batch synced by the product's job to the real
agent, FreeRADIUS built from the shipped configuration, a simulated MikroTik NAS logging users in
over real RADIUS (replies' Message-Authenticator verified) and accounting their traffic."""

from __future__ import annotations

import sqlite3
import time

import pytest
from django_tenants.utils import schema_context

from radius.services import radius_server_create
from radtik.jobs.models import Job
from routers.models import Router
from routers.routeros.client import RouterClient
from tenants.models import Tenant
from tests.support.jobs import wait_job
from vouchers.models import Voucher

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")

MB = 10**6


@pytest.fixture
def operator(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "ops", role="admin"))


def radius_server_for(agent, radius):
    with schema_context("alpha"):
        return radius_server_create(
            name="radius-1",
            host="127.0.0.1",
            api_base_url=agent.url,
            token=agent.token,
            auth_port=radius.auth_port,
            acct_port=radius.acct_port,
        ).server


def vouchers_synced(client, server, count: int, **profile) -> list[Voucher]:
    made = client.post(
        "/api/voucher-profiles/",
        {"name": "3 MB", "price": "10", **profile},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    batch = client.post(
        "/api/voucher-batches/",
        {"profile": made.json()["id"], "radius_server": server.pk, "count": count},
        content_type="application/json",
    )
    assert batch.status_code == 202, batch.content
    job = wait_job(batch.json()["job"]["id"], timeout=60)
    assert job.status == "succeeded", job.error
    with schema_context("alpha"):
        return list(Voucher.objects.filter(batch_id=batch.json()["batch"]["id"]).order_by("pk"))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_voucher_logs_in_on_the_router_and_its_data_limit_holds_across_sessions(
    backend, request, operator, radius_agent, freeradius, simulated_nas
):
    db = request.getfixturevalue("radius_postgres_url") if backend == "postgresql" else None
    agent = radius_agent(db)
    radius = freeradius(agent)
    server = radius_server_for(agent, radius)
    voucher, other = vouchers_synced(operator, server, 2, data_limit=3 * MB, simultaneous_use=1)
    nas = simulated_nas(radius)

    # The first session: 10 kB/s down for 150 s, an Interim-Update each minute.
    first = nas.login(voucher.username, voucher.password, download=10_000)
    assert first.accepted, radius.tail()
    assert first.reply["Mikrotik-Total-Limit"] == str(3 * MB)
    assert first.reply["Acct-Interim-Interval"] == "60"
    with RouterClient.connect(nas.router.credentials()) as api:
        assert [a["user"] for a in api.print("/ip/hotspot/active")] == [voucher.username]
    nas.advance(150)
    nas.logout(first.session)
    assert [s for s, _ in nas.sent] == ["Start", "Interim-Update", "Interim-Update", "Stop"]

    # The second gets only what remains, and stops when it is used up.
    second = nas.login(voucher.username, voucher.password, download=10_000)
    assert second.accepted, radius.tail()
    assert second.reply["Mikrotik-Total-Limit"] == str(3 * MB - 1_500_000)
    nas.advance(149)
    assert nas.sessions()
    nas.advance(2)
    assert nas.sessions() == []
    with RouterClient.connect(nas.router.credentials()) as api:
        assert api.print("/ip/hotspot/active") == []
    assert nas.sent[-1][1]["Acct-Output-Octets"] == 1_500_000
    refused = nas.login(voucher.username, voucher.password)
    assert not refused.accepted and nas.sessions() == []

    # A router that reboots with a session open (no Stop) frees Simultaneous-Use by its
    # Accounting-On.
    assert nas.login(other.username, other.password).accepted
    assert not nas.login(other.username, other.password).accepted
    nas.reboot()
    assert nas.login(other.username, other.password).accepted, radius.tail()

    # A router that sends no Message-Authenticator (older RouterOS, or a forgery) is refused.
    nas.logout(nas.sessions()[0])
    (row,) = nas.router.state.rows("/radius")
    nas.router.state.set_row("/radius", row[".id"], {"require-message-auth": "no", "timeout": "1s"})
    unsigned = nas.login(other.username, other.password)
    assert (unsigned.accepted, unsigned.message) == (False, "RADIUS server is not responding")
    assert "Message-Authenticator" in radius.tail(200)


def wait_router(router_id: int, status: str, timeout: float = 60) -> Router:
    deadline = time.monotonic() + timeout
    while True:
        with schema_context("alpha"):
            router = Router.objects.get(pk=router_id)
        if router.status == status or time.monotonic() > deadline:
            return router
        time.sleep(0.2)


def deployed_router(operator, routeros_farm, server, host: str):
    """A router onboarded and deployed by the product (hotspot on ether2, RADIUS `server`)."""
    (sim,) = routeros_farm(1, host=host)
    name = f"hq-{host.rsplit('.', 1)[-1]}"
    created = operator.post(
        "/api/routers/",
        {"name": name, "host": sim.host, "api_port": sim.port, "probe_interval": 1,
         "probe_max_attempts": 60},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    router_id = created.json()["router"]["id"]
    sim.apply_bootstrap(identity=name, api_user=f"api-{name}", password=created.json()["token"])
    assert wait_router(router_id, "online").status == "online"
    with schema_context("alpha"):
        discoveries = Job.objects.filter(kind="provisioning.discover", target_id=str(router_id))
        discovery = discoveries.first()
    assert wait_job(discovery.pk, timeout=60).status == "succeeded"
    config = operator.post(
        f"/api/routers/{router_id}/generate-service-config/",
        {
            "hotspot": {"enabled": True, "interfaces": ["ether2"], "login_methods": ["http-chap"],
                        "address_pool": "10.5.50.2-10.5.50.254", "gateway": "10.5.50.1",
                        "wan_interface": "ether1"},
            "radius": {"enabled": True, "server_id": server.pk, "secret": "S3cret-shared"},
        },
        content_type="application/json",
    )  # fmt: skip
    assert config.status_code == 201, config.content
    deploy = operator.post(f"/api/routers/{router_id}/deploy-service-config/")
    assert deploy.status_code == 202, deploy.content
    job = wait_job(deploy.json()["job"]["id"], timeout=90)
    assert job.status == "succeeded", job.error
    return sim


def first_login(nas, voucher, radius):
    """The router's first login: FreeRADIUS may need a moment to read its new client."""
    deadline = time.monotonic() + 60
    result = nas.login(voucher.username, voucher.password)
    while not result.accepted and time.monotonic() < deadline:
        result = nas.login(voucher.username, voucher.password)
    assert result.accepted, (result.message, radius.tail(200))
    return result


def test_a_newly_deployed_router_logs_its_first_voucher_in_with_no_client_config(
    operator, routeros_farm, radius_agent, freeradius, simulated_nas
):
    agent = radius_agent()
    radius = freeradius(agent)
    server = radius_server_for(agent, radius)
    # A router with an address of its own: FreeRADIUS knows nothing of it before the deploy.
    sim = deployed_router(operator, routeros_farm, server, "127.0.0.5")
    (voucher,) = vouchers_synced(operator, server, 1, data_limit=3 * MB)

    # The router as deployed (its /radius row: address, ports, secret), sending from its own
    # address; FreeRADIUS finds it in the agent's nas table on its first packet.
    nas = simulated_nas(router=sim)
    result = first_login(nas, voucher, radius)
    assert result.session.radius and nas.sent[0][0] == "Start"
    with sqlite3.connect(agent.db) as conn:
        (nas_address,) = conn.execute("SELECT nasipaddress FROM radacct").fetchone()
    assert nas_address == "127.0.0.5"


@pytest.fixture
def interim_interval_restored(tenants, django_db_blocker):
    """Alpha's accounting interval back to its default (60 s) after the test (the tenants'
    rows outlive every test)."""
    yield
    with django_db_blocker.unblock():
        Tenant.objects.filter(slug="alpha").update(radius_interim_interval=60)


@pytest.mark.usefixtures("interim_interval_restored")
def test_a_deployed_router_accounts_at_the_tenant_s_interim_interval(
    operator, routeros_farm, radius_agent, freeradius, simulated_nas
):
    changed = operator.patch(
        "/api/settings/", {"radius_interim_interval": 120}, content_type="application/json"
    )
    assert changed.status_code == 200, changed.content
    too_often = operator.patch(
        "/api/settings/", {"radius_interim_interval": 5}, content_type="application/json"
    )
    assert too_often.status_code == 400 and "radius_interim_interval" in too_often.json()
    agent = radius_agent()
    radius = freeradius(agent)
    server = radius_server_for(agent, radius)
    sim = deployed_router(operator, routeros_farm, server, "127.0.0.6")
    (voucher,) = vouchers_synced(operator, server, 1, data_limit=3 * MB)

    # The router's hotspot profile and the RADIUS reply both say every 2 minutes.
    with RouterClient.connect(sim.credentials()) as api:
        (profile,) = api.print("/ip/hotspot/profile", name="radtik-hs")
    assert profile["radius-interim-update"] == "2m"
    nas = simulated_nas(router=sim)
    result = first_login(nas, voucher, radius)
    assert result.reply["Acct-Interim-Interval"] == "120"

    # 5 minutes of use: Interim-Updates at 2 and 4 minutes, as FreeRADIUS records them.
    nas.advance(119)
    assert [status for status, _ in nas.sent] == ["Start"]
    nas.advance(181)
    sent = [(status, attrs["Acct-Session-Time"]) for status, attrs in nas.sent]
    assert sent == [("Start", 0), ("Interim-Update", 120), ("Interim-Update", 240)]
    with sqlite3.connect(agent.db) as conn:
        start, update = conn.execute("SELECT acctstarttime, acctupdatetime FROM radacct").fetchone()
    assert update - start == 240
