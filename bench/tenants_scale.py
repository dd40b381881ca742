"""1,000 tenants in one database: creation stays flat, migrate_schemas over all of them runs in
parallel, and a tenant page answers as it does with one tenant.

Prints, each beside its baseline from the same run:
- the schema step of creation (a clone of the migrated template) for the first and the last
  10% of BENCH_TENANTS (default 1,000) tenants: goal last within 1.2x of first. Those are made
  one after another; the 80% between, which only need to exist, by two processes at once;
- `migrate_schemas` over every schema: with nothing to apply (a deploy without tenant
  migrations: each schema is checked, none run), then with a tenth of them one migration behind,
  which it applies in parallel (django-tenants' multiprocessing executor, 2 processes by default)
  beside the same migration applied to SERIAL_SAMPLE schemas one after another;
- the tenant home page's median with all of them beside the same page on a copy of the database
  taken while it held 1 tenant: goal within 1.1x. The two are measured in alternating blocks of
  BLOCK requests, so a shared machine's drift (the median of 100 moved by a third between runs
  here) is in both, not in their ratio; first the catalogs the creation filled are vacuumed;
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

TENANTS = int(os.environ.get("BENCH_TENANTS", "1000"))
SERIAL_SAMPLE = 20  # schemas migrated one after another, for the per-schema baseline
# A shared-only app's migration: in a tenant schema applying it only writes its record, so taking
# the record away makes a schema one migration behind without touching its tables.
BEHIND = ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "100"))  # page GETs per database
BLOCK = 10  # GETs on one database before switching to the other
FILLERS = 2  # processes making the tenants between the measured ones
# What making 1,000 schemas fills (their tables, columns, indexes, constraints, triggers): the
# bench settles them before the page, else its first minutes pay for their new rows' hint bits
# and autovacuum (1.14x right after 1,000 were made; 0.97x on such a database 35 minutes later).
CATALOGS = tuple(
    f"pg_catalog.{name}"
    for name in (
        "pg_class", "pg_attribute", "pg_type", "pg_depend", "pg_index", "pg_constraint",
        "pg_attrdef", "pg_trigger", "pg_sequence", "pg_namespace", "pg_shdepend", "pg_init_privs",
    )
) + ("tenants_tenant", "tenants_domain")  # fmt: skip


def page_times(client, count: int) -> list[float]:
    for _ in range(3):  # warm: a new connection, the tenant cache, the session row
        client.get("/")
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get("/")
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return timings


def pages_compared(client, one: str) -> tuple[float, float]:
    """Medians of the page on the database `one` (1 tenant) and on the scratch one (all)."""
    times: dict[str, list[float]] = {one: [], scratch.NAME: []}
    for _ in range(ROUNDS // BLOCK):
        for name, timings in times.items():
            scratch.use(name)
            timings += page_times(client, BLOCK)
    scratch.use(scratch.NAME)
    return statistics.median(times[one]), statistics.median(times[scratch.NAME])


def add(slug: str) -> float:
    """One tenant as the creation job makes it; the schema step's time."""
    from tenants.schema_template import schema_create_from_template

    start = time.perf_counter()
    schema_create_from_template(slug)
    took = time.perf_counter() - start
    scratch.tenant_rows(slug, f"{slug}.localhost")
    return took


def _fill(slugs: list[str]) -> None:
    from django.db import connections

    for slug in slugs:
        add(slug)
    connections.close_all()


def add_between(slugs: list[str]) -> None:
    """Tenants nobody times, made by FILLERS forked processes (each its own connection)."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_fill, args=(slugs[k::FILLERS],)) for k in range(FILLERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0, f"a filler exited with {worker.exitcode}"


def set_behind(schemas: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(
                f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s', BEHIND
            )


def count_behind(schemas: list[str]) -> int:
    from tenants.schema_template import migrations_applied

    return sum(1 for schema in schemas if BEHIND not in migrations_applied(schema))


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
        from tenants.models import Tenant

        first = scratch.add_tenant("t0000", "t0000.localhost")
        with schema_context(first.schema_name):
            user = User.objects.create_user(username="bench", password="x", role="admin")
            client = Client(HTTP_HOST="t0000.localhost")
            client.force_login(user)
        one = f"{scratch.NAME}_one"
        scratch.copy(one)  # the same tenant, user and session, and no other tenant

        slugs = [f"t{i:04d}" for i in range(1, TENANTS)]
        tenth = max(1, len(slugs) // 10)
        began = time.perf_counter()
        early_times = [add(slug) for slug in slugs[:tenth]]
        add_between(slugs[tenth:-tenth])
        late_times = [add(slug) for slug in slugs[-tenth:]]
        made = time.perf_counter() - began
        made_count = Tenant.objects.exclude(schema_name="public").count()
        assert made_count == TENANTS, made_count
        connection.set_schema_to_public()
        scratch.settle(CATALOGS)  # the steady state an operator's pages see, not the bulk load's
        page_one, page_all = pages_compared(client, one)

        med = statistics.median
        early, late = med(early_times), med(late_times)
        print(
            f"{TENANTS:,} tenants made in {made:.0f} s, each schema from the template (its DDL "
            "replayed):"
        )
        print(
            f"  first {tenth}: median {early * 1000:.0f} ms; last {tenth}: median "
            f"{late * 1000:.0f} ms; ratio {late / early:.2f}x (goal <= 1.2x)"
        )
        from django.conf import settings

        cores = getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 2)
        schemas = ["t0000", *slugs]
        current = migrate_parallel()
        sample = schemas[: min(SERIAL_SAMPLE, TENANTS)]
        set_behind(sample)
        serial = migrate_serial(sample) / len(sample)
        behind = schemas[-tenth:]
        set_behind(behind)
        parallel = migrate_parallel() / len(behind)
        assert count_behind(sample + behind) == 0, "a schema was left behind"
        print(
            f"migrate_schemas over {TENANTS:,} schemas with every migration applied: "
            f"{current:.1f} s (each checked, none run)"
        )
        print(
            f"  with {len(behind)} of them one migration behind, applied in parallel ({cores} "
            f"processes): {parallel * 1000:.0f} ms a schema; one after another ({len(sample)} "
            f"schemas): {serial * 1000:.0f} ms a schema; ratio {parallel / serial:.2f}x"
        )
        print(
            f"tenant home page, median of {ROUNDS} in blocks of {BLOCK} taken in turn: "
            f"{page_all * 1000:.1f} ms with {TENANTS:,} tenants, {page_one * 1000:.1f} ms with 1 "
            f"(a copy of the database then); ratio {page_all / page_one:.2f}x (goal <= 1.1x)"
        )
    finally:
        scratch.drop(f"{scratch.NAME}_one")
        scratch.drop()


if __name__ == "__main__":
    main()
