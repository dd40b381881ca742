"""1,000 tenants in one database: creation stays flat, migrate_schemas over all of them runs in
parallel, and a tenant page answers as it does with one tenant.

Prints, each beside its baseline from the same run:
- the schema step of creation (a clone of the migrated template) for the first and the last
  10% of BENCH_TENANTS (default 1,000) tenants: goal last within 1.2x of first;
- `migrate_schemas` over every schema with nothing to apply, in parallel
  (django-tenants' multiprocessing executor, 2 processes by default) beside the standard one;
- the tenant home page's median with 1 tenant and with all of them: goal within 1.1x.
Creation goes through tenants.schema_template, the step the creation job runs; the rest of the
job (an admin row, a domain row) is two INSERTs. Scratch database, dropped after.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import scratch  # noqa: E402  (first: it points Django at the scratch database)

# 1,000 is the figure (BENCH_TENANTS=1000, ~15 min here); the default keeps `make bench`
# within its time and already shows whether creation and the page stay flat.
TENANTS = int(os.environ.get("BENCH_TENANTS", "150"))
SERIAL_SAMPLE = 30  # schemas migrated one after another, for the per-schema baseline
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))


def page_median(client) -> float:
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = client.get("/")
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings)


def migrate_parallel() -> float:
    """Every tenant schema, django-tenants' multiprocessing executor."""
    from django.core.management import call_command
    from django.db import connection

    start = time.perf_counter()
    call_command(
        "migrate_schemas", tenant=True, executor="multiprocessing", interactive=False, verbosity=0
    )
    connection.set_schema_to_public()
    return time.perf_counter() - start


def migrate_serial(schemas: list[str]) -> float:
    from django.core.management import call_command
    from django.db import connection

    start = time.perf_counter()
    for schema in schemas:
        call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    return time.perf_counter() - start


def main() -> None:
    try:
        scratch.create()
        from django.db import connection
        from django.test import Client
        from django_tenants.utils import schema_context

        from tenants.accounts.models import User
        from tenants.models import Domain, Tenant
        from tenants.schema_template import schema_create_from_template

        first = scratch.add_tenant("t0000", "t0000.localhost")
        with schema_context(first.schema_name):
            user = User.objects.create_user(username="bench", password="x", role="admin")
            client = Client(HTTP_HOST="t0000.localhost")
            client.force_login(user)
        page_one = page_median(client)

        created: list[float] = []
        for i in range(1, TENANTS):
            slug = f"t{i:04d}"
            start = time.perf_counter()
            schema_create_from_template(slug)
            created.append(time.perf_counter() - start)
            tenant = Tenant.objects.create(name=slug, slug=slug, schema_name=slug, status="active")
            Domain.objects.create(domain=f"{slug}.localhost", tenant=tenant, is_primary=True)
        connection.set_schema_to_public()
        page_all = page_median(client)

        tenth = max(1, len(created) // 10)
        med = statistics.median
        early, late = med(created[:tenth]), med(created[-tenth:])
        print(f"{TENANTS:,} tenants, each schema made from the template (its DDL replayed):")
        print(
            f"  first {tenth}: median {early * 1000:.0f} ms; last {tenth}: median "
            f"{late * 1000:.0f} ms; ratio {late / early:.2f}x (goal <= 1.2x)"
        )
        from django.conf import settings

        cores = getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 2)
        parallel = migrate_parallel() / TENANTS
        sample = [f"t{i:04d}" for i in range(min(SERIAL_SAMPLE, TENANTS))]
        serial = migrate_serial(sample) / len(sample)
        print(
            f"migrate_schemas over {TENANTS:,} up-to-date schemas in parallel ({cores} processes):"
            f" {parallel * TENANTS:.0f} s, {parallel * 1000:.0f} ms a schema; one after another "
            f"({len(sample)} schemas): {serial * 1000:.0f} ms a schema; "
            f"ratio {parallel / serial:.2f}x"
        )
        print(
            f"tenant home page, median of {ROUNDS}: {page_all * 1000:.1f} ms with {TENANTS:,} "
            f"tenants, {page_one * 1000:.1f} ms with 1; ratio {page_all / page_one:.2f}x "
            "(goal <= 1.1x)"
        )
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
