"""Import throughput (items/s) for 5,000 and 50,000 PPP secrets from a simulated router.

Runs the import's service code (routers.imports) in-process against the RouterOS simulator, and
prints beside it a baseline measured in the same run: the bare read of /ppp/secret through the
adapter (what any import must at least pay). Scratch database, dropped after.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import scratch  # noqa: E402  (first: it points Django at the scratch database)

SIZES = [int(n) for n in os.environ.get("BENCH_SECRETS", "5000,50000").split(",")]


def main() -> None:
    try:
        scratch.create()
        from django_tenants.utils import schema_context

        from routers.connection import router_session
        from routers.imports import import_menu
        from routers.models import Router
        from routers.routeros.simulator import SimulatorFarm, numbered_profile

        scratch.add_tenant()
        with SimulatorFarm() as farm, schema_context("bench"):
            for size in SIZES:
                sim = farm.add_router(numbered_profile(size, bulk_ppp_secrets=size))
                router = Router.objects.create(
                    name=f"r{size}",
                    host=sim.host,
                    api_port=sim.port,
                    api_username=sim.username,
                    api_password=sim.password,
                    status="online",
                )
                start = time.perf_counter()
                with router_session(router, timeout=60) as api:
                    rows = api.print("/ppp/secret")
                read = time.perf_counter() - start
                start = time.perf_counter()
                with router_session(router, timeout=60) as api:
                    rows = api.print("/ppp/secret")
                counts = import_menu(router=router, rows=rows, menu="secrets")
                full = time.perf_counter() - start
                start = time.perf_counter()
                with router_session(router, timeout=60) as api:
                    again = import_menu(
                        router=router, rows=api.print("/ppp/secret"), menu="secrets"
                    )
                repeat = time.perf_counter() - start
                n = len(rows)
                print(
                    f"{n:>6} secrets: first import {full:.2f} s ({n / full:,.0f} items/s, "
                    f"{counts.imported} imported); re-import {repeat:.2f} s "
                    f"({n / repeat:,.0f} items/s, {again.unchanged} unchanged)"
                )
                print(
                    f"        baseline bare read through the adapter: {read:.2f} s "
                    f"({n / read:,.0f} items/s); first import / read = {full / read:.2f}x"
                )
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
