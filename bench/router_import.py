"""Import throughput (items/s) for 5,000 and 50,000 PPP secrets from a simulated router.

Runs the import's service code (routers.imports) in-process against the RouterOS simulator, and
prints beside it a baseline measured in the same run: the bare read of /ppp/secret through the
adapter (what any import must at least pay). Scratch database, dropped after.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCRATCH = f"radtik_bench_{uuid.uuid4().hex[:8]}"
BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
os.environ["DATABASE_URL"] = BASE_URL.rsplit("/", 1)[0] + f"/{SCRATCH}"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ["DJANGO_SETTINGS_MODULE"] = "radtik.settings"
SIZES = [int(n) for n in os.environ.get("BENCH_SECRETS", "5000,50000").split(",")]


def admin_connect():
    import psycopg

    return psycopg.connect(BASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True)


def main() -> None:
    with admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{SCRATCH}"')
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django_tenants.utils import schema_context

        from routers.connection import router_session
        from routers.imports import import_menu
        from routers.models import Router
        from routers.routeros.simulator import SimulatorFarm, numbered_profile
        from tenants.models import Domain, Tenant

        call_command("platform_setup", verbosity=0)
        tenant = Tenant.objects.create(
            name="Bench", slug="bench", schema_name="bench", status="active"
        )
        tenant.create_schema(verbosity=0)
        connection.set_schema_to_public()
        Domain.objects.create(domain="bench.localhost", tenant=tenant)
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
        from django.db import connections

        connections.close_all()
        with admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')


if __name__ == "__main__":
    main()
