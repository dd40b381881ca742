"""The adapter against the simulator: every read, generic operation and hotspot helper."""

from __future__ import annotations

import pytest

from routers.routeros.client import Credentials, RouterClient
from routers.routeros.errors import RouterCommandError
from routers.routeros.types import parse_bool, parse_duration


@pytest.fixture
def api(routeros_router):
    with RouterClient.connect(routeros_router.credentials()) as client:
        yield client


def test_identity_resource_and_routerboard_describe_the_seeded_router(api):
    assert api.identity().name == "sim-router-0000"
    resource = api.resource()
    assert resource.board_name == "RB3011UiAS-RM"
    assert resource.version == "7.16.2 (stable)"
    assert resource.uptime_seconds >= 3 * 86400 and resource.uptime_raw.startswith("3d4h5m")
    assert 0 <= resource.cpu_load <= 100
    assert 0 < resource.free_memory < resource.total_memory == 1073741824
    assert resource.architecture == "arm"
    board = api.routerboard()
    assert board.model == "RB3011UiAS-RM" and board.serial_number.startswith("HG")
    assert board.firmware == "7.16.2" and board.is_routerboard


def test_interfaces_list_ten_ethernet_ports_and_a_bridge(api):
    interfaces = {i.name: i for i in api.interfaces()}
    assert [f"ether{n}" for n in range(1, 11)] + ["bridge1"] == list(interfaces)
    assert interfaces["ether1"].type == "ether" and interfaces["ether1"].running
    assert not interfaces["ether5"].running and not interfaces["ether5"].disabled
    assert interfaces["bridge1"].type == "bridge"
    assert len(interfaces["ether1"].mac_address) == 17


def test_addresses_pools_and_ppp_reads(api, routeros_router):
    assert [(a.address, a.network, a.interface) for a in api.ip_addresses()] == [
        ("192.168.88.1/24", "192.168.88.0", "bridge1")
    ]
    pools = {p.name: p for p in api.ip_pools()}
    assert pools["hs-pool-1"].ranges == ("10.5.50.2-10.5.50.254",)
    assert pools["hs-pool-1"].next_pool is None
    secrets = {s.name: s for s in api.ppp_secrets()}
    assert secrets["alice"].password == "alice-pw" and secrets["alice"].service == "pppoe"
    assert "alice-pw" not in repr(secrets["alice"])
    assert [p.name for p in api.ppp_profiles()] == ["default", "default-encryption"]
    routeros_router.state.add_row(
        "/ppp/active",
        {
            "name": "alice",
            "service": "pppoe",
            "caller-id": "AA:BB:CC:00:00:01",
            "address": "10.10.0.5",
            "uptime": "1h2m3s",
        },
    )
    [session] = api.ppp_active()
    assert (session.name, session.address, session.uptime_seconds) == ("alice", "10.10.0.5", 3723)
    assert api.ppp_active_remove_by_name("alice") == 1
    assert api.ppp_active() == []


def test_hotspot_and_radius_reads_follow_provisioning_writes(api):
    api.add("/ip/pool", name="hs-pool", ranges="10.5.50.2-10.5.50.254")
    api.add(
        "/ip/hotspot/profile",
        name="hsprof1",
        hotspot_address="10.5.50.1",
        login_by="http-chap,cookie",
        use_radius=True,
    )
    api.add(
        "/ip/hotspot",
        name="hs1",
        interface="bridge1",
        address_pool="hs-pool",
        profile="hsprof1",
        disabled=False,
    )
    api.add("/ip/hotspot/user/profile", name="1h-2M", rate_limit="2M/2M", shared_users=1)
    api.add("/radius", service="hotspot,ppp", address="192.0.2.10", secret="S3cret", timeout="3s")
    [server] = api.hotspot_servers()
    assert (server.name, server.interface, server.address_pool, server.profile) == (
        "hs1",
        "bridge1",
        "hs-pool",
        "hsprof1",
    )
    profiles = {p.name: p for p in api.hotspot_server_profiles()}
    assert profiles["hsprof1"].use_radius and profiles["hsprof1"].login_by == (
        "http-chap",
        "cookie",
    )
    assert profiles["hsprof1"].hotspot_address == "10.5.50.1"
    user_profiles = {p.name: p for p in api.hotspot_user_profiles()}
    assert user_profiles["1h-2M"].rate_limit == "2M/2M" and user_profiles["1h-2M"].shared_users == 1
    [radius] = api.radius_clients()
    assert radius.services == ("hotspot", "ppp") and radius.secret == "S3cret"
    assert radius.timeout == "3s" and "S3cret" not in repr(radius)


def test_generic_add_set_remove_print_and_find_by_name(api, routeros_router):
    new_id = api.add("/ip/pool", name="voucher-pool", ranges="10.9.0.2-10.9.0.254")
    assert new_id.startswith("*")
    assert api.find_by_name("/ip/pool", "voucher-pool")[".id"] == new_id
    api.set("/ip/pool", new_id, ranges="10.9.0.2-10.9.3.254", next_pool="hs-pool-1")
    [row] = api.print("/ip/pool", name="voucher-pool")
    assert row == {
        ".id": new_id,
        "name": "voucher-pool",
        "ranges": "10.9.0.2-10.9.3.254",
        "next-pool": "hs-pool-1",
    }
    assert api.print("/ip/pool", proplist=["name"], name="voucher-pool") == [
        {"name": "voucher-pool"}
    ]
    api.remove("/ip/pool", new_id)
    assert api.find_by_name("/ip/pool", "voucher-pool") is None
    assert routeros_router.state.find("/ip/pool", name="voucher-pool") == []


def test_set_singleton_updates_identity_and_ppp_aaa(api):
    api.set_singleton("/system/identity", name="branch-7")
    api.set_singleton("/ppp/aaa", use_radius=True, accounting=True, interim_update="5m")
    assert api.identity().name == "branch-7"
    aaa = api.get_singleton("/ppp/aaa")
    assert aaa["use-radius"] == "true" and aaa["interim-update"] == "5m"


def test_enable_and_disable_the_api_ssl_service(api):
    api.disable("/ip/service", "api-ssl")
    assert api.find_by_name("/ip/service", "api-ssl")["disabled"] == "true"
    api.enable("/ip/service", api.find_by_name("/ip/service", "api-ssl")[".id"])
    assert api.find_by_name("/ip/service", "api-ssl")["disabled"] == "false"


def test_hotspot_user_upsert_is_idempotent(api, routeros_router):
    first = api.hotspot_user_upsert(
        "V-1234", "pw1", "default", limit_uptime="1h", limit_bytes_total=500_000_000
    )
    again = api.hotspot_user_upsert("V-1234", "pw2", "default", limit_uptime=7200)
    assert first == again
    [user] = api.hotspot_users()
    assert (user.name, user.password, user.limit_uptime_seconds) == ("V-1234", "pw2", 7200)
    assert user.limit_bytes_total is None  # reset to unlimited by the second upsert
    assert len(routeros_router.state.rows("/ip/hotspot/user")) == 1


def test_hotspot_user_remove_and_active_sessions_kick(api, routeros_router):
    api.hotspot_user_upsert("V-9", "pw", "default")
    for mac in ("AA:00:00:00:00:01", "AA:00:00:00:00:02"):
        routeros_router.state.add_row(
            "/ip/hotspot/active",
            {
                "server": "hs1",
                "user": "V-9",
                "address": "10.5.50.9",
                "mac-address": mac,
                "uptime": "5m",
                "bytes-in": 100,
                "bytes-out": 2000,
            },
        )
    routeros_router.state.add_row("/ip/hotspot/active", {"server": "hs1", "user": "other"})
    sessions = api.hotspot_active()
    assert [(s.user, s.bytes_out, s.uptime_seconds) for s in sessions][:1] == [("V-9", 2000, 300)]
    assert api.hotspot_active_remove_by_user("V-9") == 2
    assert [s.user for s in api.hotspot_active()] == ["other"]
    assert api.hotspot_active_remove_by_user("V-9") == 0
    assert api.hotspot_user_remove("V-9") is True
    assert api.hotspot_user_remove("V-9") is False


def test_remove_several_ids_at_once(api):
    ids = [api.add("/ip/dns/static", name=f"h{i}.lan", address=f"10.0.0.{i}") for i in range(3)]
    api.remove("/ip/dns/static", *ids[:2])
    assert [r["name"] for r in api.print("/ip/dns/static")] == ["h2.lan"]


def test_api_user_created_by_bootstrap_can_log_in(routeros_router):
    creds = routeros_router.credentials(username="api-radtik", password="tok-123")
    routeros_router.apply_bootstrap(identity="hq", api_user="api-radtik", password="tok-123")
    with RouterClient.connect(creds) as api:
        assert api.identity().name == "hq"
        users = {u["name"]: u for u in api.print("/user")}
        assert users["api-radtik"]["group"] == "full" and "password" not in users["api-radtik"]


def test_the_connection_is_closed_after_the_block(routeros_router):
    with RouterClient.connect(routeros_router.credentials()) as api:
        api.identity()
    with pytest.raises(Exception) as excinfo:
        api.identity()
    assert "closed" in str(excinfo.value)


def test_trap_leaves_the_session_usable(api):
    with pytest.raises(RouterCommandError):
        api.add("/ip/pool", name="hs-pool-1", ranges="1.1.1.1")
    assert api.identity().name == "sim-router-0000"


def test_credentials_ports_and_parsers():
    assert Credentials("r", "u", "p").effective_port == 8728
    assert Credentials("r", "u", "p", use_tls=True).effective_port == 8729
    assert "p" not in repr(Credentials("r", "u", "p")).replace("port", "")
    assert parse_bool("yes") and parse_bool("true") and not parse_bool("no")
    assert not parse_bool("false")
    assert parse_duration("6d23h19m23s") == 6 * 86400 + 23 * 3600 + 19 * 60 + 23
    assert parse_duration("1w") == 604800 and parse_duration("00:05:00") == 300
    assert parse_duration("2d03:04:05") == 2 * 86400 + 3 * 3600 + 4 * 60 + 5
    assert parse_duration("none") is None and parse_duration("90") == 90


def test_fields_named_like_parameters_pass_through(api):
    """`path` is a walled-garden field; the adapter's own parameters are positional-only."""
    item = api.add("/ip/hotspot/walled-garden", dst_host="pay.example", path="/callback")
    api.set("/ip/hotspot/walled-garden", item, path="/cb")
    assert api.print("/ip/hotspot/walled-garden")[0]["path"] == "/cb"
