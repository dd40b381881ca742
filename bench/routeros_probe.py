"""How many simulated routers one process serves, and probe round-trips per second through the
adapter (connect + login + identity + resource + close), at 100 and 1,000 routers.

Baseline, same run and same simulator: a raw-socket login + /system/identity/print round trip
with no client library, so the ratio shows what the adapter (routeros-api) costs.

    python bench/routeros_probe.py [--seconds 8] [--threads 32]
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from routers.routeros.client import RouterClient  # noqa: E402
from routers.routeros.simulator import RouterProfile, SimulatorFarm  # noqa: E402
from routers.routeros.simulator.wire import encode_sentence  # noqa: E402


def adapter_probe(router) -> None:
    with RouterClient.connect(router.credentials()) as api:
        api.identity()
        api.resource()


def _read_until_done(sock: socket.socket) -> None:
    data = b""
    while not data.endswith(b"\x05!done\x00"):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk


def raw_probe(router) -> None:
    with socket.create_connection((router.host, router.port), timeout=5) as sock:
        sock.sendall(encode_sentence(["/login", "=name=admin", "=password=admin"]))
        _read_until_done(sock)
        sock.sendall(encode_sentence(["/system/identity/print"]))
        _read_until_done(sock)


def measure(probe, routers, seconds: float, threads: int) -> tuple[float, int]:
    """Probes per second over `seconds`, round-robin over all routers; returns (rate, errors)."""
    counter = itertools.count()
    deadline = time.monotonic() + seconds
    errors = 0

    def worker() -> tuple[int, int]:
        done = failed = 0
        while time.monotonic() < deadline:
            router = routers[next(counter) % len(routers)]
            try:
                probe(router)
                done += 1
            except Exception:  # noqa: BLE001 - counted, reported
                failed += 1
        return done, failed

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        results = [f.result() for f in [pool.submit(worker) for _ in range(threads)]]
    elapsed = time.monotonic() - started
    total = sum(d for d, _ in results)
    errors = sum(f for _, f in results)
    return total / elapsed, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    parser.add_argument("--threads", type=int, default=32)
    args = parser.parse_args()
    started = time.monotonic()
    print(
        f"routeros probe bench: {args.threads} client threads, {args.seconds:g}s per "
        f"measurement, loopback, CPUs={os.cpu_count()}"
    )
    for count in (100, 1000):
        with SimulatorFarm() as farm:
            t0 = time.monotonic()
            routers = farm.add_routers(
                count, profile_factory=lambda i: RouterProfile(identity=f"bench-{i:04d}", seed=i)
            )
            boot = time.monotonic() - t0
            baseline, raw_errors = measure(raw_probe, routers, args.seconds / 2, args.threads)
            rate, errors = measure(adapter_probe, routers, args.seconds, args.threads)
            print(
                f"{count:5d} routers served by one process (started in {boot:.2f}s): "
                f"adapter probe {rate:8.1f}/s (errors {errors}); raw-socket login+print "
                f"baseline {baseline:8.1f}/s (errors {raw_errors}); adapter/baseline "
                f"{rate / baseline:.2f}"
            )
    print(f"total {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
