"""Foreground runner behind `manage.py simulate_routers` (kept free of Django to test it)."""

from __future__ import annotations

import threading
from typing import TextIO

from routers.routeros.simulator.farm import SimulatorFarm, numbered_profile
from routers.routeros.simulator.faults import Faults

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
    out: TextIO,
) -> SimulatorFarm:
    """Start router i on base_port+i (ephemeral ports if base_port is 0) and describe them."""
    farm = SimulatorFarm(host=host).start()
    faults = Faults(latency_ms=latency_ms) if latency_ms else None
    routers = farm.add_routers(
        count,
        base_port=base_port,
        faults=faults,
        profile_factory=lambda i: numbered_profile(i, username=user, password=password, seed=seed),
    )
    if count <= LIST_LIMIT:
        for router in routers:
            identity = router.state.singleton("/system/identity")["name"]
            out.write(f"{identity} listening on {router.host}:{router.port} (user {user})\n")
    out.write(
        f"{count} simulated RouterOS routers on {host} ports "
        f"{routers[0].port}..{routers[-1].port}, user {user}, seed {seed}, "
        f"latency {latency_ms:g} ms. Ctrl-C to stop.\n"
    )
    out.flush()
    return farm


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
