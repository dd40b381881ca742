"""Many simulated routers in one process: one background thread runs one event loop for all."""

from __future__ import annotations

import asyncio
import resource
import ssl
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from routers.routeros.simulator.faults import Faults
from routers.routeros.simulator.profile import RouterProfile
from routers.routeros.simulator.server import SimulatedRouter

_T = TypeVar("_T")
ProfileFactory = Callable[[int], RouterProfile]


def raise_nofile_limit(needed: int) -> int:
    """Lift the soft RLIMIT_NOFILE towards `needed` (up to the hard limit); returns the soft."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def numbered_profile(
    index: int, *, username: str = "admin", password: str = "admin", seed: int = 0, **overrides: Any
) -> RouterProfile:
    """Router i of a farm: its own identity and a seed derived from the farm's."""
    values: dict[str, Any] = {
        "identity": f"sim-router-{index:04d}",
        "username": username,
        "password": password,
        "seed": seed * 100_003 + index,
    }
    values.update(overrides)
    return RouterProfile(**values)


class SimulatorFarm:
    """`with SimulatorFarm() as farm: router = farm.add_router(); ... router.port`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routers: list[SimulatedRouter] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._on_stop: list[Callable[[], None]] = []

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Run `callback` first when the farm stops (e.g. a router's NAS and hotspot pages)."""
        self._on_stop.append(callback)

    def start(self) -> SimulatorFarm:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(self._loop)
                self._loop.call_soon(ready.set)  # type: ignore[union-attr]
                self._loop.run_forever()  # type: ignore[union-attr]

            self._thread = threading.Thread(target=run, name="routeros-simulator", daemon=True)
            self._thread.start()
            ready.wait(10)
        return self

    def run(self, coro: Coroutine[Any, Any, _T], timeout: float = 60) -> _T:
        """Run a coroutine on the farm's loop from another thread and wait for it."""
        assert self._loop is not None, "farm not started"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def add_router(
        self,
        profile: RouterProfile | None = None,
        *,
        port: int = 0,
        faults: Faults | None = None,
        tls: bool | ssl.SSLContext = False,
        host: str | None = None,
    ) -> SimulatedRouter:
        return self.add_routers(
            1,
            profiles=[profile or RouterProfile()],
            base_port=port,
            faults=faults,
            tls=tls,
            host=host,
        )[0]

    def add_routers(
        self,
        count: int,
        *,
        profile_factory: ProfileFactory | None = None,
        profiles: list[RouterProfile] | None = None,
        base_port: int = 0,
        faults: Faults | None = None,
        tls: bool | ssl.SSLContext = False,
        host: str | None = None,
    ) -> list[SimulatedRouter]:
        """Start `count` routers; router i listens on base_port+i (or ephemeral if 0), on `host`
        (default: the farm's; another loopback address gives a router an address of its own)."""
        self.start()
        raise_nofile_limit(2 * (len(self.routers) + count) + 512)
        factory = profile_factory or numbered_profile
        context: ssl.SSLContext | None = None
        if tls is True:
            from routers.routeros.simulator.tls import server_context

            context = server_context()
        elif isinstance(tls, ssl.SSLContext):
            context = tls
        start = len(self.routers)
        new = [
            SimulatedRouter(
                profiles[i] if profiles else factory(start + i),
                host=host or self.host,
                port=base_port + i if base_port else 0,
                faults=Faults(**_fault_values(faults)) if faults else None,
                tls=context,
            )
            for i in range(count)
        ]

        async def start_all() -> None:
            await asyncio.gather(*(router.start() for router in new))

        try:
            self.run(start_all())
        except BaseException:
            self.run(_stop_all(new))
            raise
        self.routers.extend(new)
        return new

    def stop(self) -> None:
        if self._loop is None:
            return
        while self._on_stop:
            self._on_stop.pop()()
        self.run(_stop_all(self.routers))
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop.close()
        self._loop = None
        self.routers = []

    def __enter__(self) -> SimulatorFarm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def _stop_all(routers: list[SimulatedRouter]) -> None:
    await asyncio.gather(*(router.stop() for router in routers), return_exceptions=True)


def _fault_values(faults: Faults) -> dict[str, Any]:
    """A fresh Faults per router with the same settings (counters are per router)."""
    return {
        "latency_ms": faults.latency_ms,
        "jitter_ms": faults.jitter_ms,
        "refuse_connections": faults.refuse_connections,
        "never_answer": faults.never_answer,
        "drop_after_sentences": faults.drop_after_sentences,
        "fail_login": faults.fail_login,
        "trap_on": dict(faults.trap_on),
        "trap_message": faults.trap_message,
    }
