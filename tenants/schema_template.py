"""New tenant schemas are made from a migrated template schema instead of migrated one by one.

Running every tenant migration for a new schema costs seconds (the migration graph, hundreds of
DDL statements one by one). The template schema has them all; its definition and rows (the
migration records, content types, permissions) are read once per process with pg_dump and
replayed, renamed, for each new schema in one transaction. django-tenants' clone function
(CloneSchema, behind its TENANT_BASE_SCHEMA option) was the first choice, but it reads the
catalog through information_schema per table, so it slows with every schema in the database:
570 ms for the first tenants, 24 s by the 60th (bench/tenants_scale.py); replaying DDL costs
the same at the 1,000th. The copy carries the template's django_migrations rows, so no faked
migrate_schemas needs to follow.

The template is current when every migration file on disk is applied in it: checked on each
creation by one query and a directory listing, brought up to date with `migrate_schemas` when a
deploy added migrations (platform_setup does it at once, so the first creation after an upgrade
is not the one that pays). A template left behind would only be slower, never wrong:
`migrate_schemas` migrates every tenant, copies included.

Spares: the replay still costs a few hundred milliseconds, so one copy is made ahead of need
(a `tenants.spare` job after each creation, and platform_setup) and a creation renames it to the
tenant's name, a catalog update. A spare behind the code (a deploy added migrations since it
was made) is dropped, never handed out; creation then replays the template as before. Nothing in
a copy names its schema (the trigger functions use TG_TABLE_SCHEMA), so a rename is enough.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import schema_exists

from tenants.pg_client import pg_args, pg_run

TEMPLATE_SCHEMA = "radtik_tenant_template"
SPARE_PREFIX = "radtik_spare_"
_MIGRATION_FILE = re.compile(r"^\d{4}_\w+\.py$")
_LOCK = 0x7261_6474  # advisory lock: one process brings the template up to date at a time
_SPARE_LOCK = _LOCK + 1  # one creation at a time takes a spare


def migrations_on_disk() -> set[tuple[str, str]]:
    # Every app's: a schema records each migration as applied, also those whose operations the
    # router keeps out of tenant schemas.
    found: set[tuple[str, str]] = set()
    for config in apps.get_app_configs():
        folder = Path(config.path) / "migrations"
        if folder.is_dir():
            found |= {
                (config.label, name[:-3])
                for name in (entry.name for entry in folder.iterdir())
                if _MIGRATION_FILE.match(name)
            }
    return found


def migrations_applied(schema: str = TEMPLATE_SCHEMA) -> set[tuple[str, str]]:
    """The (app, name) pairs `schema`'s django_migrations records; none before its first migrate."""
    table = f'"{schema}".django_migrations'
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [table])
        if cursor.fetchone()[0] is None:  # created, never migrated
            return set()
        cursor.execute(f"SELECT app, name FROM {table}")
        return set(cursor.fetchall())


def template_current() -> bool:
    """Whether the template exists with every migration on disk applied."""
    return schema_exists(TEMPLATE_SCHEMA) and migrations_on_disk() <= migrations_applied()


def template_ensure() -> frozenset[tuple[str, str]]:
    """Create or migrate the template schema when it is missing or behind the code; returns the
    migrations it has."""
    if not template_current():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
                if not schema_exists(TEMPLATE_SCHEMA):
                    cursor.execute(f'CREATE SCHEMA "{TEMPLATE_SCHEMA}"')
            if not migrations_on_disk() <= migrations_applied():  # another process may have done it
                call_command(
                    "migrate_schemas", schema_name=TEMPLATE_SCHEMA, interactive=False, verbosity=0
                )
        connection.set_schema_to_public()
    return frozenset(migrations_applied())


# Per process: the template's SQL for the migrations it had when it was read.
_script: tuple[frozenset[tuple[str, str]], str] | None = None


def _template_script(version: frozenset[tuple[str, str]]) -> str:
    """The template as SQL statements naming it: tables, indexes, constraints, sequences, rows.
    Session settings pg_dump writes (search_path, timeouts) are left out: the script runs on a
    pooled connection that must keep its own."""
    global _script
    if _script is None or _script[0] != version:
        args, env = pg_args()
        dump = pg_run(
            ["pg_dump", *args, "-n", TEMPLATE_SCHEMA, "--no-owner", "--no-privileges",
             "--inserts", "--rows-per-insert=1000"],
            env,
        ).stdout.decode()  # fmt: skip
        lines = [
            line
            for line in dump.splitlines()
            if not line.startswith(("SET ", "SELECT pg_catalog.set_config(", "\\", "--"))
        ]
        _script = (version, "\n".join(lines))
    return _script[1]


def schema_create_from_template(schema_name: str) -> None:
    """Create `schema_name` as a copy of the current template: tables, indexes, sequences and
    the rows migrations put there (content types, permissions, the migration records)."""
    _check_schema_name(schema_name)  # letters, digits, _: safe in the SQL text
    if schema_name == TEMPLATE_SCHEMA:
        raise ValueError(f"{schema_name} is the template's own name")
    script = _template_script(template_ensure())
    connection.set_schema_to_public()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(script.replace(TEMPLATE_SCHEMA, schema_name))
    connection.set_schema_to_public()


def spare_schemas() -> list[str]:
    """The spares waiting with every migration on disk applied. Those behind the code (a deploy
    added migrations since they were made) are dropped here: never handed out."""
    on_disk = migrations_on_disk()
    current = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY nspname",
            [SPARE_PREFIX],
        )
        for (name,) in cursor.fetchall():
            if on_disk <= migrations_applied(name):
                current.append(name)
            else:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    return current


def spare_prepare() -> str | None:
    """Make a spare copy of the template unless a current one is waiting; its name, or None."""
    connection.set_schema_to_public()
    if spare_schemas():
        return None
    name = SPARE_PREFIX + secrets.token_hex(6)
    schema_create_from_template(name)
    return name


def schema_create(schema_name: str) -> None:
    """Create a tenant's schema: a current spare renamed when one is waiting, else a fresh
    copy of the template."""
    _check_schema_name(schema_name)
    if not _spare_take(schema_name):
        schema_create_from_template(schema_name)


def _spare_take(schema_name: str) -> bool:
    connection.set_schema_to_public()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SPARE_LOCK])
        spares = spare_schemas()
        if spares:
            cursor.execute(f'ALTER SCHEMA "{spares[0]}" RENAME TO "{schema_name}"')
    return bool(spares)
