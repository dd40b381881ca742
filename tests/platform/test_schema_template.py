"""A new tenant's schema is a clone of the migrated template: complete, its own, and made even
when the template went missing. A spare clone made ahead is renamed into place, never one behind
the code."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from radtik.jobs.models import Job
from tenants.accounts.models import User
from tenants.schema_template import SPARE_PREFIX, TEMPLATE_SCHEMA, spare_prepare, template_current
from tests.support.jobs import wait_job
from tests.support.waiting import wait_for

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


def spares() -> dict[str, int]:
    """{name: oid} of the spare schemas waiting."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname, oid::int FROM pg_namespace WHERE starts_with(nspname, %s)",
            [SPARE_PREFIX],
        )
        return dict(cursor.fetchall())


def oid(schema: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid::int FROM pg_namespace WHERE nspname = %s", [schema])
        row = cursor.fetchone()
        return row[0] if row else None


def drop_spares() -> None:
    with connection.cursor() as cursor:
        for name in spares():
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')


def create_delta(root, **fields) -> Job:
    response = root.post(
        "/api/tenants/",
        {"name": "Delta", "slug": "delta", "admin_username": "boss", **fields},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    job = wait_job(response.json()["job"]["id"], schema="public", timeout=120)
    assert job.status == "succeeded", job.error
    return job


@pytest.fixture
def root(make_user, tenant_client):
    return tenant_client("public", make_user("public", "root", is_staff=True, is_superuser=True))


def test_a_tenant_is_cloned_from_the_template_even_after_the_template_was_dropped(root):
    assert template_current()  # platform_setup made it
    drop_spares()  # so the creation has to copy the template
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{TEMPLATE_SCHEMA}" CASCADE')
    create_delta(root, admin_password=PASSWORD)

    assert template_current()  # made again, migrated
    assert recorded("delta") == recorded(TEMPLATE_SCHEMA) == recorded("alpha")
    assert tables("delta") == tables("alpha")
    with schema_context(TEMPLATE_SCHEMA):
        assert not User.objects.exists()  # the admin went into the tenant, not the template
    login = Client(HTTP_HOST="delta.localhost").post(
        "/login/", {"username": "boss", "password": PASSWORD}
    )
    assert login.status_code == 302


def test_a_tenant_takes_the_waiting_spare_and_another_is_made_for_the_next(root):
    spare_prepare()  # platform_setup made one; an earlier test may have taken it
    waiting = spares()
    assert waiting
    response = root.post(
        "/api/tenants/", {"name": "Delta", "slug": "delta"}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    password = response.json()["admin_password"]
    job = wait_job(response.json()["job"]["id"], schema="public", timeout=120)
    assert job.status == "succeeded", job.error

    assert oid("delta") in waiting.values()  # the spare itself, renamed
    assert recorded("delta") == recorded(TEMPLATE_SCHEMA)
    assert tables("delta") == tables("alpha")
    spare_job = Job.objects.filter(kind="tenants.spare").latest("pk")
    assert wait_job(spare_job.pk, schema="public", timeout=120).status == "succeeded"
    made = set(spares()) - set(waiting)
    assert made  # a new one, for the next creation
    assert recorded(made.pop()) == recorded(TEMPLATE_SCHEMA)

    # The generated admin password was hashed cheaply; the first login re-hashes it with the
    # default hasher.
    with schema_context("delta"):
        assert User.objects.get(username="admin").password.startswith("pbkdf2_sha256_generated$")
    login = Client(HTTP_HOST="delta.localhost").post(
        "/login/", {"username": "admin", "password": password}
    )
    assert login.status_code == 302
    with schema_context("delta"):
        admin = User.objects.get(username="admin")
        assert identify_hasher(admin.password).algorithm == "pbkdf2_sha256"
        assert admin.check_password(password)


def test_a_spare_behind_the_code_is_dropped_not_handed_out(root):
    drop_spares()
    stale = spare_prepare()
    with connection.cursor() as cursor:  # as if a deploy added this migration after it was made
        cursor.execute(
            f'DELETE FROM "{stale}".django_migrations WHERE id = '
            f'(SELECT max(id) FROM "{stale}".django_migrations)'
        )
    stale_oid = oid(stale)
    create_delta(root, admin_password=PASSWORD)

    assert oid("delta") != stale_oid
    assert recorded("delta") == recorded(TEMPLATE_SCHEMA)
    assert oid(stale) is None
    wait_for(spares, timeout=120, what="a new spare made")
    assert stale not in spares()


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
