"""Foreground runner behind `manage.py simulate_routers` (kept free of Django to test it)."""

from __future__ import annotations

import threading
from typing import TextIO

from routers.routeros.simulator.farm import SimulatorFarm, numbered_profile
from routers.routeros.simulator.faults import Faults
from routers.routeros.simulator.hotspot_http import HotspotPages
from routers.routeros.simulator.nas import SimulatedNas
from routers.routeros.simulator.server import SimulatedRouter

LIST_LIMIT = 50  # beyond this many routers, print a summary instead of one line each


def start_simulated_routers(
    *,
    count: int,
    base_port: int,
    user: str,
    password: str,
    seed: int = 0,
    latency_ms: float = 0.0,
    host: str = "127.0.0.1",
    hotspot_base_port: int | None = None,
    out: TextIO,
) -> SimulatorFarm:
    """Start router i on base_port+i (ephemeral ports if base_port is 0) and describe them.

    With `hotspot_base_port`, each router is also a NAS on the wall clock (nas.py) with its
    hotspot login page on hotspot_base_port+i (ephemeral if 0): once provisioning configured its
    RADIUS, a voucher logs in there and its session is accounted."""
    farm = SimulatorFarm(host=host).start()
    faults = Faults(latency_ms=latency_ms) if latency_ms else None
    routers = farm.add_routers(
        count,
        base_port=base_port,
        faults=faults,
        profile_factory=lambda i: numbered_profile(i, username=user, password=password, seed=seed),
    )
    pages = {}
    if hotspot_base_port is not None:
        for i, router in enumerate(routers):
            pages[router.port] = _serve_hotspot(
                farm, router, hotspot_base_port + i if hotspot_base_port else 0
            )
    if count <= LIST_LIMIT:
        for router in routers:
            identity = router.state.singleton("/system/identity")["name"]
            login = f", hotspot login {pages[router.port]}" if router.port in pages else ""
            out.write(f"{identity} listening on {router.host}:{router.port} (user {user}){login}\n")
    out.write(
        f"{count} simulated RouterOS routers on {host} ports "
        f"{routers[0].port}..{routers[-1].port}, user {user}, seed {seed}, "
        f"latency {latency_ms:g} ms. Ctrl-C to stop.\n"
    )
    out.flush()
    return farm


def _serve_hotspot(farm: SimulatorFarm, router: SimulatedRouter, port: int) -> str:
    # Traffic so the demo's sessions move: 20 kB/s down, 2 kB/s up per user.
    nas = SimulatedNas(router, realtime=True, coa_port=0, default_download=20_000,
                       default_upload=2_000).start()  # fmt: skip
    pages = HotspotPages(nas, port=port).start()
    farm.on_stop(nas.stop)
    farm.on_stop(pages.stop)
    return pages.login_url


def run_simulated_routers(
    *, out: TextIO, stop: threading.Event | None = None, **options: object
) -> None:
    """Serve until `stop` is set or Ctrl-C, then shut every router down."""
    farm = start_simulated_routers(out=out, **options)  # type: ignore[arg-type]
    stop = stop or threading.Event()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        farm.stop()
        out.write("simulated routers stopped\n")
