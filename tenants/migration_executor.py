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

A tenant schema that already records every migration on disk is not run through `migrate` at
all: with nothing to apply, Django still renders the whole project state and runs the
post_migrate handlers (content types, permissions: ~90 queries), 160 ms a schema, so a deploy
without tenant migrations spent minutes on 1,000 tenants doing nothing. Content types and
permissions only change with a migration, so such a schema misses nothing. Asked for a
particular app or migration, to fake, plan or prune, every schema runs as before.
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

from tenants.schema_template import migrations_applied, migrations_on_disk

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
            tenants = [t for t in tenants if t not in missing]
            if not _asks_for_every_schema(self.options):
                tenants = _behind(tenants, public)
            with _recorder_looks_up_its_table():
                return super().run_migrations(tenants=tenants)

    return ExistingSchemas


# Options under which a schema with every migration applied still has something to do or say.
_EVERY_SCHEMA_OPTIONS = ("app_label", "migration_name", "fake", "fake_initial", "plan", "prune")


def _asks_for_every_schema(options: dict) -> bool:
    return any(options.get(name) for name in _EVERY_SCHEMA_OPTIONS)


def _behind(tenants: list[str], public: str) -> list[str]:
    """The schemas missing a migration on disk (public always: it is one, and shared apps')."""
    on_disk = migrations_on_disk()
    behind = [t for t in tenants if t == public or not on_disk <= migrations_applied(t)]
    if len(behind) < len(tenants):
        logger.info(
            "migrate_schemas: %d of %d schemas already have every migration: not run again",
            len(tenants) - len(behind),
            len(tenants),
        )
    return behind


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
