"""migrate_schemas over the tenants whose schema exists (settings.GET_EXECUTOR_FUNCTION).

django-tenants migrates every Tenant row's schema; a tenant whose creation failed before its
schema was made (its job failed, the row kept for the operator to see) would stop the run, and
with it `platform_setup` and every start of `make run`. Such a tenant is skipped, saying so: one
bad tenant never blocks migrating the others.
"""

from __future__ import annotations

import logging

from django.db import connection
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
            return super().run_migrations(tenants=[t for t in tenants if t not in missing])

    return ExistingSchemas
