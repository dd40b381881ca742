"""The simulator's Python side: state API, seeding, faults, many routers, the CLI runner."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from routers.routeros.client import RouterClient
from routers.routeros.simulator import Faults, RouterProfile, SimulatorFarm, Trap
from routers.routeros.simulator.cli import run_simulated_routers, start_simulated_routers
from routers.routeros.simulator.profile import build_state


def test_snapshot_detects_any_change_and_reads_leave_it_equal(routeros_router):
    before = routeros_router.state.snapshot()
    with RouterClient.connect(routeros_router.credentials()) as api:
        api.interfaces(), api.ppp_secrets(), api.resource()
    assert routeros_router.state.snapshot() == before
    with RouterClient.connect(routeros_router.credentials()) as api:
        api.set("/ppp/secret", api.find_by_name("/ppp/secret", "bob")[".id"], comment="vip")
    assert routeros_router.state.snapshot() != before


def test_state_api_add_find_and_duplicate_rules():
    state = build_state(RouterProfile())
    item = state.add_row("/ip/hotspot/user", {"name": "V-1", "password": "p", "limit_uptime": "1h"})
    assert state.row("/ip/hotspot/user", item)["limit-uptime"] == "1h"
    assert state.find("/ip/hotspot/user", name="V-1")[0][".id"] == item
    for path, label in (
        ("/ip/hotspot/user", "user"),
        ("/ppp/secret", "secret"),
        ("/ppp/profile", "profile"),
        ("/user", "user"),
    ):
        state.add_row(
            path, {"name": "dup", "group": "full"} if path == "/user" else {"name": "dup"}
        )
        with pytest.raises(Trap, match=f"already have {label} with such name"):
            state.add_row(
                path, {"name": "dup", "group": "full"} if path == "/user" else {"name": "dup"}
            )
    with pytest.raises(Trap, match="default item can not be removed"):
        state.remove_rows("/ppp/profile", [state.find("/ppp/profile", name="default")[0][".id"]])


def test_ids_are_hex_and_increase_per_menu():
    state = build_state(RouterProfile(pools=()))
    ids = [state.add_row("/ip/pool", {"name": f"p{i}", "ranges": "1.1.1.1"}) for i in range(27)]
    assert ids[:2] == ["*1", "*2"] and ids[9] == "*A" and ids[25] == "*1A"
    state.remove_rows("/ip/pool", ids[-1:])
    assert state.add_row("/ip/pool", {"name": "again", "ranges": "1.1.1.1"}) == "*1C"


def test_bridge_added_by_api_shows_up_as_an_interface(routeros_router):
    with RouterClient.connect(routeros_router.credentials()) as api:
        bridge = api.add("/interface/bridge", name="bridge-hs")
        assert "bridge-hs" in [i.name for i in api.interfaces() if i.type == "bridge"]
        api.remove("/interface/bridge", bridge)
        assert "bridge-hs" not in [i.name for i in api.interfaces()]


def test_bulk_seed_of_5000_secrets_and_pools_reads_back(routeros_farm):
    [router] = routeros_farm(1, bulk_ppp_secrets=5000, bulk_pools=20)
    with RouterClient.connect(router.credentials(timeout=20)) as api:
        secrets = api.ppp_secrets()
        pools = api.ip_pools()
    assert len(secrets) == 5003 and secrets[-1].name == "pppoe-user-05000"
    assert secrets[-1].remote_address == "100.64.19.138"
    bulk = [p for p in pools if p.name.startswith("bulk-pool-")]
    assert len(bulk) == 20 and bulk[0].ranges == ("10.1.0.1-10.1.255.254",)


def test_same_seed_same_router(routeros_farm):
    first, second = routeros_farm(2, seed=5)
    again = routeros_farm.farm.add_routers(
        1, profiles=[RouterProfile(identity="x", seed=first.profile.seed)]
    )[0]
    macs = [r["mac-address"] for r in first.state.rows("/interface")]
    assert macs == [r["mac-address"] for r in again.state.rows("/interface")]
    assert macs != [r["mac-address"] for r in second.state.rows("/interface")]


def test_latency_fault_slows_every_reply(routeros_farm):
    [router] = routeros_farm(1, faults=Faults(latency_ms=100))
    started = time.monotonic()
    with RouterClient.connect(router.credentials()) as api:
        api.identity()
    assert time.monotonic() - started >= 0.2  # login + one command
    router.faults.clear()
    started = time.monotonic()
    with RouterClient.connect(router.credentials()) as api:
        api.identity()
    assert time.monotonic() - started < 0.1


def test_command_log_records_what_the_router_received(routeros_router):
    with RouterClient.connect(routeros_router.credentials()) as api:
        api.hotspot_user_upsert("V-7", "pw", "default")
    commands = [c for c, _ in routeros_router.state.command_log]
    assert commands == ["/ip/hotspot/user/print", "/ip/hotspot/user/add"]
    assert routeros_router.state.command_log[-1][1]["name"] == "V-7"


def test_a_thousand_routers_in_one_process():
    with SimulatorFarm() as farm:
        routers = farm.add_routers(
            1000,
            profile_factory=lambda i: RouterProfile(
                identity=f"r{i}", seed=i, ethernet_ports=2, ppp_secrets=(), pools=()
            ),
        )
        assert len({r.port for r in routers}) == 1000

        def probe(index: int) -> str:
            with RouterClient.connect(routers[index].credentials()) as api:
                return api.identity().name

        with ThreadPoolExecutor(16) as pool:
            sample = list(range(0, 1000, 7))
            assert list(pool.map(probe, sample)) == [f"r{i}" for i in sample]


def test_cli_runner_serves_consecutive_ports_until_stopped():
    out = io.StringIO()
    farm = start_simulated_routers(
        count=3, base_port=0, user="ops", password="pw", seed=1, latency_ms=0, out=out
    )
    try:
        lines = out.getvalue().splitlines()
        assert len(lines) == 4 and lines[0].startswith("sim-router-0000 listening on 127.0.0.1:")
        assert "3 simulated RouterOS routers" in lines[-1]
        with RouterClient.connect(farm.routers[2].credentials()) as api:
            assert api.identity().name == "sim-router-0002"
    finally:
        farm.stop()
    stop = threading.Event()
    out = io.StringIO()
    runner = threading.Thread(
        target=run_simulated_routers,
        kwargs={"out": out, "stop": stop, "count": 2, "base_port": 0, "user": "u", "password": "p"},
    )
    runner.start()
    time.sleep(0.3)
    stop.set()
    runner.join(5)
    assert out.getvalue().rstrip().endswith("simulated routers stopped")
