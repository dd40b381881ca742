"""A deploy builds a hotspot a customer can use, as `/ip hotspot setup` would (address, DHCP,
DNS, NAT, profile, server) plus the walled garden for the portal and M-Pesa and CoA; read back
over the API from the simulator, and verified as sets whatever order RouterOS prints lists in."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from provisioning.config import RadiusEndpoint, validate_service_config
from provisioning.models import RouterConfig
from provisioning.plan import desired_items, render_script
from provisioning.services import deploy_start
from radius.services import radius_server_create
from routers.models import Router
from routers.routeros.client import RouterClient
from routers.services import router_create
from tests.support.jobs import wait_job

PORTAL = "https://alpha.example.net/portal/"
SERVICES = {
    "hotspot": {
        "enabled": True,
        "interfaces": ["ether2"],
        "login_methods": ["http-chap", "http-pap", "cookie"],
        "address_pool": "10.5.50.10-10.5.50.200",
        "gateway": "10.5.50.1",
        "prefix": 24,
        "lease_time": "30m",
        "dns_servers": ["1.1.1.1", "8.8.8.8"],
        "wan_interface": "ether1",
    },
    "pppoe": {
        "enabled": True,
        "interfaces": ["ether3"],
        "service_name": "isp",
        "pool_range": "10.10.0.2-10.10.0.254",
        "local_address": "10.10.0.1",
    },
}


def deploy(router_id: int) -> dict:
    with schema_context("alpha"):
        job = deploy_start(router=Router.objects.get(pk=router_id))
    done = wait_job(job.pk, timeout=90)
    assert done.status == "succeeded", done.error
    return done.result


@pytest.fixture
def deployed(live_db, qcluster, routeros_farm, radius_agent):
    sim = routeros_farm(1)[0]
    agent = radius_agent()
    with schema_context("alpha"):
        server = radius_server_create(
            name="radius-1", host="192.0.2.10", api_base_url=agent.url, token=agent.token
        ).server
        made = router_create(name="hs-1", host=sim.host, api_port=sim.port, probe_interval=1)
    sim.apply_bootstrap(identity="hs-1", api_user=made.router.api_username, password=made.token)
    assert wait_job(made.probe_job.pk, timeout=60).status == "succeeded"
    data = {**SERVICES, "radius": {"enabled": True, "server_id": server.pk, "secret": "S3cret!!"}}
    with schema_context("alpha"):
        config = validate_service_config(
            data,
            interfaces={f"ether{i}" for i in range(1, 6)},
            radius_servers={server.pk: RadiusEndpoint("192.0.2.10", 1812, 1813)},
            portal_url=PORTAL,
        )
        RouterConfig.objects.create(router=made.router, version=1, config=config)
    result = deploy(made.router.pk)
    return sim, made.router.pk, result


def test_a_deployed_hotspot_has_everything_a_customer_needs(deployed):
    sim, _, result = deployed
    assert result["changed"] == len([i for i in result["items"] if i["action"] != "unchanged"])
    with RouterClient.connect(sim.credentials()) as api:
        (address,) = api.print("/ip/address", comment="radtik-hs")
        assert (address["address"], address["interface"]) == ("10.5.50.1/24", "ether2")
        (network,) = api.print("/ip/dhcp-server/network", comment="radtik-hs")
        assert (network["address"], network["gateway"], network["dns-server"]) == (
            "10.5.50.0/24",
            "10.5.50.1",
            "10.5.50.1",
        )
        (dhcp,) = api.print("/ip/dhcp-server", name="radtik-hs-dhcp")
        assert (dhcp["interface"], dhcp["address-pool"], dhcp["lease-time"]) == (
            "ether2",
            "radtik-hs-pool",
            "30m",
        )
        (pool,) = api.print("/ip/pool", name="radtik-hs-pool")
        assert pool["ranges"] == "10.5.50.10-10.5.50.200"
        dns = api.get_singleton("/ip/dns")
        assert (dns["allow-remote-requests"], dns["servers"]) == ("true", "1.1.1.1,8.8.8.8")
        (nat,) = api.print("/ip/firewall/nat", chain="srcnat")
        assert (nat["chain"], nat["action"], nat["out-interface"]) == (
            "srcnat",
            "masquerade",
            "ether1",
        )
        (profile,) = api.print("/ip/hotspot/profile", name="radtik-hs")
        assert set(profile["login-by"].split(",")) == {"http-chap", "http-pap", "cookie"}
        assert (profile["use-radius"], profile["radius-accounting"]) == ("true", "true")
        assert profile["radius-interim-update"] == "1m"  # the tenant's interval (60 s)
        (server,) = api.print("/ip/hotspot")
        assert (server["interface"], server["profile"]) == ("ether2", "radtik-hs")
        garden = {(r["dst-host"], r["action"]) for r in api.print("/ip/hotspot/walled-garden")}
        assert garden == {("alpha.example.net", "allow"), ("*.safaricom.co.ke", "allow")}
        by_ip = {(r["dst-host"], r["action"]) for r in api.print("/ip/hotspot/walled-garden/ip")}
        assert by_ip == {("alpha.example.net", "accept"), ("*.safaricom.co.ke", "accept")}
        assert api.get_singleton("/radius/incoming")["accept"] == "true"
        (radius,) = api.print("/radius")
        assert set(radius["service"].split(",")) == {"hotspot", "ppp"}


def test_lists_printed_in_the_routers_own_order_verify(deployed):
    sim, router_id, _ = deployed
    (profile,) = sim.state.find("/ip/hotspot/profile", name="radtik-hs")
    sim.state.set_row(
        "/ip/hotspot/profile", profile[".id"], {"login-by": "cookie,http-pap,http-chap"}
    )
    (radius,) = sim.state.rows("/radius")
    sim.state.set_row("/radius", radius[".id"], {"service": "ppp,hotspot"})
    before = sim.state.snapshot()
    again = deploy(router_id)
    assert again["changed"] == 0
    assert sim.state.snapshot() == before


def test_the_pasted_script_writes_booleans_as_the_cli_does():
    config = validate_service_config(
        SERVICES, interfaces={"ether1", "ether2", "ether3"}, radius_servers={}, portal_url=PORTAL
    )
    script = render_script(desired_items(config))
    assert "allow-remote-requests=yes" in script and "disabled=no" in script
    assert "=true" not in script and "=false" not in script
    assert (
        '/ip firewall nat add chain="srcnat" action="masquerade" out-interface="ether1"' in script
    )


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"address_pool": "10.6.0.2-10.6.0.9"}, "hotspot.address_pool", "inside 10.5.50.0/24"),
        ({"address_pool": "10.5.50.1-10.5.50.9"}, "hotspot.address_pool", "gateway's own"),
        ({"wan_interface": ""}, "hotspot.wan_interface", "towards the internet"),
        ({"wan_interface": "ether2"}, "hotspot.wan_interface", "cannot be a customer"),
        ({"lease_time": "an hour"}, "hotspot.lease_time", "RouterOS duration"),
        ({"prefix": 33}, "hotspot.prefix", "from 8 to 30"),
    ],
)
def test_a_hotspot_that_could_not_work_is_refused_with_the_reason(change, field, words):
    from django.core.exceptions import ValidationError

    data = {**SERVICES, "hotspot": {**SERVICES["hotspot"], **change}}
    with pytest.raises(ValidationError) as refused:
        validate_service_config(data, interfaces={"ether1", "ether2", "ether3"}, radius_servers={})
    assert words in " ".join(refused.value.message_dict[field])
