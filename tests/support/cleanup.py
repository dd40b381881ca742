"""Remove what a committing test wrote, keeping the session's schemas and tenants."""

from __future__ import annotations

import time

from django.db import OperationalError, connection, transaction
from django_tenants.utils import get_public_schema_name

KEEP_TABLES = {"django_migrations", "django_content_type", "auth_permission"}
PUBLIC_KEEP = KEEP_TABLES | {"tenants_tenant", "tenants_domain"}


def _tables(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        return [row[0] for row in cursor.fetchall()]


def truncate_test_data(*, keep_tenants: set[str]) -> None:
    from tenants.models import Tenant

    connection.set_schema_to_public()
    public = get_public_schema_name()
    extra = Tenant.objects.exclude(schema_name=public).exclude(slug__in=keep_tenants)
    with connection.cursor() as cursor:
        for tenant in extra:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')
    extra.delete()
    forget_wake_keys()  # no new ticks start on the rows about to go
    with connection.cursor() as cursor:
        for schema in [public, *sorted(keep_tenants)]:
            keep = PUBLIC_KEEP if schema == public else KEEP_TABLES
            tables = [f'"{schema}"."{t}"' for t in _tables(schema) if t not in keep]
            if tables:
                _truncate(cursor, tables)
        cursor.execute(
            "DELETE FROM public.tenants_domain WHERE tenant_id NOT IN "
            "(SELECT id FROM public.tenants_tenant)"
        )
    forget_wake_keys()


def _truncate(cursor, tables: list[str]) -> None:
    """A tick still running in a worker (router health) may hold row locks the TRUNCATE waits
    for while it waits for ours: PostgreSQL then cancels one of the two. Try again."""
    for attempt in range(5):
        try:
            with transaction.atomic():
                cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            return
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.5)


# Keys that say "a task is queued or running" (the sweeps' chains, the callback inbox's drain,
# batch runners): a test whose transaction rolled back, or a truncation, removes the task but
# not its key, and the next test's work would wait for the key to expire.
WAKE_KEYS = [("sweep", "*"), ("billing", "inbox", "*"), ("jobs", "batch", "*")]


def forget_wake_keys() -> None:
    """The broker rows of the sweeps' ticks, drains and batch runners are gone (truncated, or
    never committed): forget that they were queued."""
    from radtik.redis_client import redis_client, redis_key

    client = redis_client()
    for parts in WAKE_KEYS:
        for key in client.scan_iter(redis_key(*parts)):
            client.delete(key)
