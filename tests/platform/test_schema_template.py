"""A new tenant's schema is a clone of the migrated template: complete, its own, and made even
when the template went missing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from tenants.accounts.models import User
from tenants.schema_template import TEMPLATE_SCHEMA, template_current
from tests.support.jobs import wait_job

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")
PASSWORD = "delta-Hotspot-2026"


def recorded(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return set(cursor.fetchall())


def tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def test_a_tenant_is_cloned_from_the_template_even_after_the_template_was_dropped(
    make_user, tenant_client
):
    assert template_current()  # platform_setup made it
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{TEMPLATE_SCHEMA}" CASCADE')
    root = tenant_client("public", make_user("public", "root", is_staff=True, is_superuser=True))
    response = root.post(
        "/api/tenants/",
        {"name": "Delta", "slug": "delta", "admin_username": "boss", "admin_password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    job = wait_job(response.json()["job"]["id"], schema="public", timeout=120)
    assert job.status == "succeeded", job.error

    assert template_current()  # made again, migrated
    assert recorded("delta") == recorded(TEMPLATE_SCHEMA) == recorded("alpha")
    assert tables("delta") == tables("alpha")
    with schema_context(TEMPLATE_SCHEMA):
        assert not User.objects.exists()  # the admin went into the tenant, not the template
    login = Client(HTTP_HOST="delta.localhost").post(
        "/login/", {"username": "boss", "password": PASSWORD}
    )
    assert login.status_code == 302


def test_platform_setup_migrates_the_others_past_a_tenant_whose_schema_was_never_made(caplog):
    """A tenant whose creation failed before its schema existed (the row kept, failed) does not
    stop platform_setup, which every `make run` starts with."""
    from django.core.management import call_command

    from tenants.models import Tenant

    Tenant.objects.create(name="Ghost", slug="ghost", schema_name="ghost", status="failed")
    with caplog.at_level("WARNING", logger="radtik.tenants"):
        call_command("platform_setup", verbosity=0)
    assert "skipped ghost: its schema does not exist" in caplog.text
    assert template_current()


def test_the_client_tools_found_are_as_new_as_the_server():
    """pg_dump refuses a server newer than itself: the one found is not older."""
    import re
    import subprocess

    from tenants.pg_client import pg_tool

    version = subprocess.run([pg_tool("pg_dump"), "--version"], capture_output=True, text=True)
    tool_major = int(re.search(r"\(PostgreSQL\) (\d+)", version.stdout).group(1))
    assert tool_major >= connection.connection.info.server_version // 10000
