"""migrate_schemas over the tenants whose schema exists (settings.GET_EXECUTOR_FUNCTION).

django-tenants migrates every Tenant row's schema; a tenant whose creation failed before its
schema was made (its job failed, the row kept for the operator to see) would stop the run, and
with it `platform_setup` and every start of `make run`. Such a tenant is skipped, saying so: one
bad tenant never blocks migrating the others.

Django's migration recorder asks whether a schema has its django_migrations table by listing
every table (the introspection's pg_class scan, filtered by visibility), four times per schema.
With 1,000 tenants pg_class holds ~350,000 rows and that scan costs ~100 ms, so each schema cost
in proportion to how many there were (477 ms a schema at 1,000, bench/tenants_scale.py). While
the executor runs, the recorder looks the one table up by name instead, an index lookup: the
same answer (the table in the connection's schema, as django-tenants' introspection scopes it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.migration_executors import get_executor
from django_tenants.migration_executors.base import MigrationExecutor
from django_tenants.utils import get_public_schema_name

logger = logging.getLogger("radtik.tenants")


def executor_for(codename: str | None = None) -> type[MigrationExecutor]:
    base = get_executor(codename=codename)

    class ExistingSchemas(base):
        def run_migrations(self, tenants=None):
            tenants = list(tenants or [])
            with connection.cursor() as cursor:
                cursor.execute("SELECT nspname FROM pg_namespace")
                present = {name for (name,) in cursor.fetchall()}
            public = get_public_schema_name()
            missing = [t for t in tenants if t != public and t not in present]
            for schema in missing:
                logger.warning("migrate_schemas: skipped %s: its schema does not exist", schema)
            with _recorder_looks_up_its_table():
                return super().run_migrations(tenants=[t for t in tenants if t not in missing])

    return ExistingSchemas


def _has_table_in_schema(recorder: MigrationRecorder) -> bool:
    if recorder._has_table:
        return True
    with recorder.connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = %s AND n.nspname = %s)",
            [recorder.Migration._meta.db_table, recorder.connection.schema_name],
        )
        recorder._has_table = cursor.fetchone()[0]
    return recorder._has_table


@contextmanager
def _recorder_looks_up_its_table() -> Iterator[None]:
    # On the class: the migrate command, its loader and executor each make their own recorder,
    # and the multiprocessing executor's forked workers inherit the class as it is here.
    original = MigrationRecorder.has_table
    MigrationRecorder.has_table = _has_table_in_schema
    try:
        yield
    finally:
        MigrationRecorder.has_table = original
