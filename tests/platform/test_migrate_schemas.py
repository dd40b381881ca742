"""`migrate_schemas` over the tenants runs the schemas missing a migration and leaves those that
have every one alone, unless asked for a particular app or migration."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.usefixtures("live_db", "tenants")
# A shared-only app: in a tenant schema its migration only writes the record, so a test can
# take the record away and have it applied again without touching a table.
APP, NAME = "django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"


def recorded(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT EXISTS (SELECT 1 FROM "{schema}".django_migrations'
            " WHERE app = %s AND name = %s)",
            [APP, NAME],
        )
        return cursor.fetchone()[0]


def forget(schema: str) -> None:
    """As if `schema` was made before a deploy that added the migration."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s', [APP, NAME]
        )


def test_only_the_schema_behind_is_migrated(capsys, caplog):
    forget("alpha")
    with caplog.at_level("INFO", logger="radtik.tenants"):
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=1)
    connection.set_schema_to_public()
    out = capsys.readouterr().out

    assert recorded("alpha") and recorded("beta")
    assert f"standard:alpha]   Applying {APP}.{NAME}" in out
    assert "beta" not in out
    assert "schemas already have every migration: not run again" in caplog.text


def test_a_named_app_runs_in_every_schema(capsys):
    call_command("migrate_schemas", APP, tenant=True, interactive=False, verbosity=1)
    connection.set_schema_to_public()
    out = capsys.readouterr().out

    assert "standard:alpha]" in out and "standard:beta]" in out
    assert "No migrations to apply" in out
