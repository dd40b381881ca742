"""A throwaway database for one benchmark run, on DATABASE_URL's server (default: the machine's
PostgreSQL), with the platform migrated and, on request, a tenant.

Import it before anything touches Django settings: it points DATABASE_URL at the scratch database.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NAME = f"radtik_bench_{uuid.uuid4().hex[:8]}"
SERVER = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit(
    "/", 1
)[0]
os.environ["DATABASE_URL"] = f"{SERVER}/{NAME}"
TEMPLATE = os.environ.get("BENCH_TEMPLATE_DB", "")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ["DJANGO_SETTINGS_MODULE"] = "radtik.settings"
os.environ.setdefault("RADTIK_CHANNEL_PREFIX", f"bench-{NAME}")
# A scratch database gets scratch keys; the bench speaks plain http on loopback.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("FIELD_ENCRYPTION_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("TLS", "0")
# The benches' own requests would fill their output with access log lines.
os.environ.setdefault("ACCESS_LOG", "0")


def _server():
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def create() -> None:
    """Create the database, set Django up on it and migrate the public schema: as a copy of
    BENCH_TEMPLATE_DB when set (`make bench` migrates one for all its scripts, ~10 s each)."""
    with _server() as conn:
        template = f' TEMPLATE "{TEMPLATE}"' if TEMPLATE else ""
        conn.execute(f'CREATE DATABASE "{NAME}"{template}')
    import django

    django.setup()
    if not TEMPLATE:
        from django.core.management import call_command

        call_command("platform_setup", verbosity=0)


def add_tenant(slug: str = "bench", domain: str = "bench.localhost"):
    """An active tenant, its schema made as the creation job makes it (a copy of the migrated
    template schema), without the job."""
    from tenants.schema_template import schema_create_from_template

    schema_create_from_template(slug)
    return tenant_rows(slug, domain)


def tenant_rows(slug: str, domain: str):
    """The Tenant and Domain rows of an active tenant whose schema `slug` exists."""
    from tenants.models import Domain, Tenant

    tenant = Tenant.objects.create(name=slug.title(), slug=slug, schema_name=slug, status="active")
    Domain.objects.create(domain=domain, tenant=tenant)
    return tenant


def drop(name: str = NAME) -> None:
    from django.db import connections

    connections.close_all()
    with _server() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settle(tables: tuple[str, ...] = ()) -> None:
    """VACUUM (ANALYZE) `tables` (default: the whole scratch database), then CHECKPOINT: what the
    steps before wrote is no longer waiting for autovacuum or the next checkpoint, which would
    charge it to the next measurement (on 2 cores, autovacuum of a 100,000-row table's changes
    takes most of one)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables or ("",):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("CHECKPOINT")


def copy(name: str) -> None:
    """A copy of the scratch database as it is now, under `name` (drop it with drop(name))."""
    from django.db import connections

    connections.close_all()  # CREATE DATABASE ... TEMPLATE wants nobody connected to it
    with _server() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{NAME}"')


def use(name: str) -> None:
    """Point this process's Django connection at database `name` from its next query."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = name


@contextmanager
def cluster(**env: str) -> Iterator[subprocess.Popen]:
    """A qcluster on the scratch database (its output discarded) for the `with` block; `env`
    adds to this process's environment (RADTIK_WORKERS, …)."""
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(3)  # workers forked and polling
    try:
        yield proc
    finally:
        from radius.testing.agent import stop_process

        stop_process(proc, timeout=30)


if __name__ == "__main__":
    # `scratch.py template NAME`: a migrated database for BENCH_TEMPLATE_DB; `scratch.py drop NAME`
    action, name = sys.argv[1:3]
    if action == "template":
        TEMPLATE = ""
        create()
        from django.db import connections

        connections.close_all()
        with _server() as conn:
            conn.execute(f'ALTER DATABASE "{NAME}" RENAME TO "{name}"')
    else:
        with _server() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
