"""Pages timed at two sizes (bench/lists.py, bench/account_pages.py): a tenant filled with
`small` rows and one with `big`, a viewer's client on each, rounds alternating the sizes so
machine noise hits both, medians printed against the 100 ms goal."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def compare(
    *,
    fill: Callable[[str, int], str],
    paths: tuple[str, ...],
    small: int,
    big: int,
    rounds: int,
) -> None:
    """`fill(schema, rows)` fills a tenant and says what it made; the scratch database is made
    first and dropped after."""
    from bench import scratch

    try:
        scratch.create()
        _compare(fill=fill, paths=paths, small=small, big=big, rounds=rounds)
    finally:
        scratch.drop()


def _compare(*, fill, paths, small, big, rounds) -> None:
    from django.test import Client
    from django_tenants.utils import schema_context

    from bench import scratch
    from tenants.accounts.models import User

    clients = {}
    for name, rows in (("small", small), ("big", big)):
        scratch.add_tenant(name, f"{name}.localhost")
        started = time.perf_counter()
        made = fill(name, rows)
        print(f"{name}: {made} in {time.perf_counter() - started:.0f} s")
        with schema_context(name):
            user = User.objects.create_user(username="bench", password="x", role="viewer")
            client = Client(HTTP_HOST=f"{name}.localhost")
            client.force_login(user)
        clients[name] = client
    timings = {(name, path): [] for name in clients for path in paths}
    for _ in range(rounds):
        for path in paths:
            for name, client in clients.items():
                start = time.perf_counter()
                response = client.get(path)
                timings[(name, path)].append(time.perf_counter() - start)
                assert response.status_code == 200, (path, response.status_code)
    med = statistics.median
    width = max(len(path) for path in paths)
    print(f"first page, median of {rounds} (goal <= 100 ms at {big:,} rows):")
    for path in paths:
        at_big, at_small = med(timings[("big", path)]), med(timings[("small", path)])
        print(f"  {path:{width}} {big:,} rows: {at_big * 1000:6.1f} ms; {small:,} rows: "
              f"{at_small * 1000:6.1f} ms; ratio {at_big / at_small:.2f}x")  # fmt: skip
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


@contextmanager
def indexes_built_after(cursor, schema: str, tables: tuple[str, ...]) -> Iterator[None]:
    """Bulk loads into `tables` with their secondary indexes and unique constraints dropped,
    then rebuilt from their own definitions, as a restore does: one sort per index instead of a
    million scattered inserts (a 1,000,000-row fill in a third of the time). Primary keys stay."""
    cursor.execute(
        """
        SELECT c.relname, i.relname, pg_get_indexdef(i.oid), con.conname,
               pg_get_constraintdef(con.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.contype = 'u'
        WHERE n.nspname = %s AND c.relname = ANY(%s) AND NOT x.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f'
                          AND f.conindid = i.oid)
        """,
        [schema, list(tables)],
    )
    found = cursor.fetchall()
    for table, index, _, constraint, _ in found:
        if constraint:
            cursor.execute(f'ALTER TABLE "{schema}"."{table}" DROP CONSTRAINT "{constraint}"')
        else:
            cursor.execute(f'DROP INDEX "{schema}"."{index}"')
    yield
    cursor.execute("SET maintenance_work_mem = '256MB'")
    for table, _, definition, constraint, constraint_definition in found:
        if constraint:
            cursor.execute(
                f'ALTER TABLE "{schema}"."{table}" ADD CONSTRAINT "{constraint}" '
                f"{constraint_definition}"
            )
        else:
            cursor.execute(definition)
