"""The five onboarding stages against the RouterOS simulator, through the real cluster."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from types import SimpleNamespace

import pytest
from django_tenants.utils import schema_context

from radius.services import radius_server_create
from radtik.jobs.models import Job
from routers.models import Router
from tests.platform.test_websocket import collect_until, connect, session_cookie, subscribe
from tests.support.jobs import wait_job

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")

STAGES = [
    "verifying",
    "connected",
    "deploying",
    "deployed",
    "verifying_deployment",
    "radius_client",
    "completed",
]


def wait_status(router_id: int, statuses: set[str], timeout: float) -> Router:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with schema_context("alpha"):
            router = Router.objects.get(pk=router_id)
        if router.status in statuses:
            return router
        time.sleep(0.1)
    raise AssertionError(f"router still {router.status} ({router.last_error})")


def latest_job(kind: str, router_id: int) -> Job:
    with schema_context("alpha"):
        return Job.objects.filter(kind=kind, target_id=str(router_id)).first()


@pytest.fixture
def admin(make_user):
    return make_user("alpha", "owner", role="admin")


@pytest.fixture
def client(admin, tenant_client):
    return tenant_client("alpha", admin)


def create_router(client, sim, name: str, **extra) -> dict:
    response = client.post(
        "/api/routers/",
        {
            "name": name,
            "host": sim.host,
            "api_port": sim.port,
            "probe_interval": 1,
            "probe_max_attempts": 30,
            **extra,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def bring_online(client, sim, name: str) -> dict:
    created = create_router(client, sim, name)
    time.sleep(1.2)  # a probe or two fail: the API user does not exist yet
    router = wait_status(created["router"]["id"], {"config_pending"}, 1)
    assert "login" in router.last_error.lower() or router.last_error == ""
    sim.apply_bootstrap(identity=name, api_user=f"api-{name}", password=created["token"])
    started = time.monotonic()
    wait_status(created["router"]["id"], {"online"}, 2.5)  # within two probe intervals (+slack)
    assert time.monotonic() - started < 2.5
    discovery = latest_job("provisioning.discover", created["router"]["id"])
    assert wait_job(discovery.pk).status == "succeeded"
    return created


def service_config(server_id: int) -> dict:
    return {
        "hotspot": {
            "enabled": True,
            "interfaces": ["ether2", "ether3"],
            "portal_title": "Acme",
            "login_methods": ["http-chap", "mac"],
            "address_pool": "10.5.50.2-10.5.50.254",
            "gateway": "10.5.50.1",
            "wan_interface": "ether1",
        },
        "pppoe": {
            "enabled": True,
            "interfaces": ["ether4"],
            "service_name": "isp",
            "pool_range": "10.10.0.2-10.10.0.254",
            "local_address": "10.10.0.1",
        },
        "radius": {"enabled": True, "server_id": server_id, "secret": "S3cret-shared"},
    }


@pytest.fixture
def radius_agent_1(radius_agent):
    return radius_agent()


@pytest.fixture
def radius_server(tenants, radius_agent_1):
    with schema_context("alpha"):
        return radius_server_create(
            name="radius-1",
            host="192.0.2.10",
            api_base_url=radius_agent_1.url,
            token=radius_agent_1.token,
        ).server


def deploy_and_watch(daphne_server, admin, client, router_id: int) -> tuple[Job, list[dict]]:
    cookie = session_cookie("alpha", admin)

    async def scenario():
        ws = await connect(daphne_server, "alpha.localhost", cookie)
        await subscribe(ws, "jobs")
        response = await asyncio.to_thread(
            client.post, f"/api/routers/{router_id}/deploy-service-config/"
        )
        assert response.status_code == 202, response.content
        job_id = response.json()["job"]["id"]
        events = []
        async with asyncio.timeout(30):
            while True:
                message = json.loads(await ws.recv())
                if message.get("payload", {}).get("id") != job_id:
                    continue
                events.append(message)
                if message["event"] in ("job.succeeded", "job.failed"):
                    break
        await ws.close()
        return job_id, events

    job_id, events = asyncio.run(scenario())
    return wait_job(job_id), events


def test_five_stages_end_to_end(
    routeros_farm, client, admin, radius_server, radius_agent_1, daphne_server
):
    sim = routeros_farm(1)[0]
    created = bring_online(client, sim, "hq-1")
    router_id = created["router"]["id"]
    interfaces = client.get(f"/api/routers/{router_id}/interfaces/").json()
    names = {i["name"] for i in interfaces["interfaces"]}
    assert {"ether1", "ether10", "bridge1"} <= names and interfaces["stale"] is False
    listed = [i["name"] for i in interfaces["interfaces"] if i["name"].startswith("ether")]
    assert listed.index("ether2") < listed.index("ether10")  # natural order, not ether1, ether10

    config = client.post(
        f"/api/routers/{router_id}/generate-service-config/",
        service_config(radius_server.pk),
        content_type="application/json",
    )
    assert config.status_code == 201, config.content
    body = config.json()
    assert body["version"] == 1 and "S3cret" not in json.dumps(body)
    # Two customer ports: one bridge carries the hotspot, its gateway and its DHCP server.
    assert '/ip hotspot add name="radtik-hs" interface="radtik-hs-bridge"' in body["script"]

    job, events = deploy_and_watch(daphne_server, admin, client, router_id)
    assert job.status == "succeeded", job.error
    stages = [e["payload"]["stage"] for e in events if e["event"] == "job.progress"]
    assert stages == STAGES
    assert [e["payload"]["progress"] for e in events if e["event"] == "job.progress"] == [
        10,
        20,
        40,
        70,
        85,
        95,
        100,
    ]
    state = sim.state
    assert {p["name"] for p in state.rows("/ip/pool")} >= {"radtik-hs-pool", "radtik-pppoe-pool"}
    assert {h["interface"] for h in state.rows("/ip/hotspot")} == {"radtik-hs-bridge"}
    ports = state.find("/interface/bridge/port", bridge="radtik-hs-bridge")
    assert {p["interface"] for p in ports} == {"ether2", "ether3"}
    assert state.find("/ip/hotspot/profile", name="radtik-hs")
    assert state.find("/ppp/profile", name="radtik-pppoe")
    assert [s["interface"] for s in state.rows("/interface/pppoe-server/server")] == ["ether4"]
    (client_row,) = state.rows("/radius")
    assert client_row["address"] == "192.0.2.10" and client_row["secret"] == "S3cret-shared"
    assert wait_status(router_id, {"active"}, 1).status == "active"
    # FreeRADIUS knows the router as a client now: its first login needs no clients.conf edit.
    assert radius_agent_1.call("GET", "/clients").json() == {
        "clients": [{"address": "127.0.0.1", "shortname": "hq-1"}]
    }

    # Deploying the same configuration again changes nothing.
    before = state.snapshot()
    again, _ = deploy_and_watch(daphne_server, admin, client, router_id)
    assert again.status == "succeeded" and again.result["changed"] == 0
    assert again.message == "no changes"
    assert sim.state.snapshot() == before


def test_fault_midway_rolls_back_and_retry_succeeds(
    routeros_farm, client, admin, radius_server, daphne_server
):
    sim = routeros_farm(1)[0]
    router_id = bring_online(client, sim, "edge-2")["router"]["id"]
    client.post(
        f"/api/routers/{router_id}/generate-service-config/",
        service_config(radius_server.pk),
        content_type="application/json",
    )
    before = sim.state.snapshot()
    sim.faults.trap_on["/ppp/profile/add"] = None  # step 15: after the hotspot and the PPPoE pool
    job, _ = deploy_and_watch(daphne_server, admin, client, router_id)
    assert job.status == "failed"
    assert "step 21 of 33 (create /ppp/profile name=radtik-pppoe) failed" in job.error
    assert "20 earlier step(s) undone" in job.error
    assert sim.state.snapshot() == before
    router = wait_status(router_id, {"failed"}, 1)
    assert "/ppp/profile" in router.last_error

    sim.faults.clear()
    retried, _ = deploy_and_watch(daphne_server, admin, client, router_id)
    assert retried.status == "succeeded", retried.error
    assert wait_status(router_id, {"active"}, 1)


def test_the_open_router_page_gets_the_interfaces_once_discovered(
    routeros_farm, client, admin, daphne_server
):
    """Coming online starts discovery; the page watching router.<id> gets stage 3's table and
    stage 4's interface choices without a reload."""
    sim = routeros_farm(1)[0]
    created = create_router(client, sim, "edge")
    router_id = created["router"]["id"]
    cookie = session_cookie("alpha", admin)

    async def scenario():
        # As the page does: html fragments of the router's topic.
        page = await connect(
            daphne_server, "alpha.localhost", cookie, f"?format=html&topics=router.{router_id}"
        )
        api = await connect(daphne_server, "alpha.localhost", cookie)
        await subscribe(api, f"router.{router_id}")
        await asyncio.to_thread(
            sim.apply_bootstrap, identity="edge", api_user="api-edge", password=created["token"]
        )
        events = await collect_until(api, "RouterInterfacesDiscovered", timeout=15)
        async with asyncio.timeout(5):
            while f'id="router-{router_id}-interfaces"' not in (html := await page.recv()):
                pass
        await page.close()
        await api.close()
        return events, html

    events, html = asyncio.run(scenario())
    assert [m["event"] for m in events][:2] == ["RouterConnected", "RouterStatusUpdated"]
    found = {i["name"]: i for i in events[-1]["payload"]["interfaces"]}
    assert {"name": "ether1", "type": "ether", "running": True}.items() <= found["ether1"].items()
    assert "<td>ether1</td>" in html
    select = html.split(f'id="router-{router_id}-hotspot-interfaces"')[1].split("</select>")[0]
    assert '<option value="ether2">' in select


def test_a_silent_router_does_not_hold_up_the_others(routeros_farm, client):
    """A router that accepts TCP but never answers waits out its probe timeout (5 s) in a thread
    of its own; a router added next to it is probed and online meanwhile."""
    silent = socket.create_server(("127.0.0.1", 0))  # never accepts, never answers
    try:
        address = SimpleNamespace(host="127.0.0.1", port=silent.getsockname()[1])
        hung = create_router(client, address, "hung")["router"]["id"]
        sim = routeros_farm(1)[0]
        fine = create_router(client, sim, "fine")
        sim.apply_bootstrap(identity="fine", api_user="api-fine", password=fine["token"])
        wait_status(fine["router"]["id"], {"online"}, 2.5)
        probe = latest_job("routers.probe", hung)
        assert (probe.status, probe.attempts) == ("running", 1)  # still in its first probe
        deadline = time.monotonic() + 8
        while "within 5s" not in wait_status(hung, {"config_pending"}, 1).last_error:
            assert time.monotonic() < deadline, "the silent router's probe never timed out"
            time.sleep(0.2)
    finally:
        silent.close()


def test_unreachable_router_ends_connection_failed(routeros_farm, client):
    sim = routeros_farm(1)[0]
    sim.stop_listening()
    created = create_router(client, sim, "gone", probe_max_attempts=3)
    router = wait_status(created["router"]["id"], {"connection_failed"}, 10)
    assert "refused" in router.last_error.lower() or "unreachable" in router.last_error.lower()
    probe = latest_job("routers.probe", router.pk)
    assert probe.status == "failed" and probe.attempts == 3


def test_wrong_token_is_a_login_failure_not_unreachable(routeros_farm, client):
    sim = routeros_farm(1)[0]
    created = create_router(client, sim, "typo", probe_max_attempts=2)
    sim.apply_bootstrap(identity="typo", api_user="api-typo", password="not-the-token")
    router = wait_status(created["router"]["id"], {"connection_failed"}, 10)
    assert "login" in router.last_error.lower()
    assert "unreachable" not in router.last_error.lower()


def test_bad_service_config_gets_field_errors(routeros_farm, client, radius_server):
    sim = routeros_farm(1)[0]
    router_id = bring_online(client, sim, "cfg")["router"]["id"]
    url = f"/api/routers/{router_id}/generate-service-config/"
    none = client.post(url, {}, content_type="application/json")
    assert none.status_code == 400 and "services" in none.json()
    bad = service_config(radius_server.pk)
    bad["pppoe"]["pool_range"] = "10.10.0.254-10.10.0.2"
    bad["hotspot"]["interfaces"] = ["ether2", "wlan9"]
    bad["radius"]["server_id"] = 999
    errors = client.post(url, bad, content_type="application/json").json()
    assert "starts after it ends" in errors["pppoe.pool_range"][0]
    assert "wlan9" in errors["hotspot.interfaces"][0]
    assert "radius.server_id" in errors
    bad = service_config(radius_server.pk)
    bad["pppoe"]["pool_range"] = "10.10.0.300-10.10.0.2"
    bad["pppoe"]["interfaces"] = []
    errors = client.post(url, bad, content_type="application/json").json()
    assert "Not an IPv4 address" in errors["pppoe.pool_range"][0]
    assert "at least one interface" in errors["pppoe.interfaces"][0]


def test_beta_cannot_see_or_deploy_alpha_router(
    routeros_farm, client, make_user, tenant_client, daphne_server
):
    sim = routeros_farm(1)[0]
    router_id = create_router(client, sim, "private")["router"]["id"]
    beta_user = make_user("beta", "intruder", role="admin")
    beta = tenant_client("beta", beta_user)
    assert beta.get(f"/api/routers/{router_id}/").status_code == 404
    assert beta.post(f"/api/routers/{router_id}/deploy-service-config/").status_code == 404
    assert beta.get(f"/api/routers/{router_id}/interfaces/").status_code == 404
    cookie = session_cookie("beta", beta_user)

    async def scenario():
        ws = await connect(daphne_server, "beta.localhost", cookie)
        with schema_context("public"):
            from tenants.models import Tenant

            alpha_id = await asyncio.to_thread(
                lambda: Tenant.objects.values_list("pk", flat=True).get(slug="alpha")
            )
        answer = await subscribe(ws, f"tenant.{alpha_id}.router.{router_id}")
        await ws.close()
        return answer

    assert asyncio.run(scenario())["type"] == "error"
