"""Test plumbing: one test database with two tenants for the whole session, real processes.

- `db` (pytest-django) wraps a test in a rolled-back transaction: fast, for HTTP/service tests.
- `live_db` commits for real, so a qcluster or daphne process sees the data; it truncates what
  the test wrote afterwards (pytest-django's flush would wipe the session's tenants).
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

pytest_plugins = [
    f"tests.fixtures.{name}"
    for name in ("routeros", "freeradius", "nas", "daraja", "notifications")
    if os.path.exists(os.path.join(os.path.dirname(__file__), "fixtures", f"{name}.py"))
]

TENANTS = {"alpha": "Alpha WiFi", "beta": "Beta Net"}
PASSWORD = "correct-horse-9"


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """A fresh test database: public schema, platform tenant, tenants alpha and beta.

    Replaces pytest-django's own, which creates the database only when some collected test is
    marked django_db; tests here that commit (live_db) are not.
    """
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from tenants.choices import TenantStatus
    from tenants.models import Domain, Tenant
    from tenants.schema_template import schema_create_from_template

    with django_db_blocker.unblock():
        db_cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        call_command("platform_setup", verbosity=0)
        for slug, name in TENANTS.items():
            tenant = Tenant.objects.create(
                name=name, slug=slug, schema_name=slug, status=TenantStatus.ACTIVE
            )
            schema_create_from_template(slug)  # as tenant creation does
            connection.set_schema_to_public()
            Domain.objects.create(domain=f"{slug}.localhost", tenant=tenant, is_primary=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE public.test_job_runs (id serial primary key, job_id int, "
                "schema_name text, attempt int, pid int, at timestamptz default now())"
            )
            cursor.execute("CREATE TABLE public.test_effects (key text primary key)")
    yield
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
        connection.close()
        # Connections left open by threads that tests ran requests in would block the drop.
        with connection._nodb_cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
        teardown_databases(db_cfg, verbosity=0)


@pytest.fixture
def tenants(django_db_setup, django_db_blocker):
    from tenants.models import Tenant

    with django_db_blocker.unblock():
        return {t.slug: t for t in Tenant.objects.filter(slug__in=TENANTS)}


@pytest.fixture
def live_db(django_db_setup, django_db_blocker):
    """Committed data, visible to other processes; cleaned up after the test."""
    from tests.support.cleanup import forget_wake_keys, truncate_test_data

    with django_db_blocker.unblock():
        forget_wake_keys()  # what a rolled-back test before this one "queued" never ran
        yield
        truncate_test_data(keep_tenants=set(TENANTS))


@pytest.fixture(scope="session")
def session_tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("procs")


@pytest.fixture(scope="session")
def clusters(django_db_setup, session_tmp):
    """The real django-q2 clusters for the session (ORM broker on the test database): the
    default one and the payments one."""
    from tests.support.processes import start_qcluster

    default = start_qcluster(session_tmp)
    payments = start_qcluster(session_tmp, queue="payments")
    yield SimpleNamespace(default=default, payments=payments)
    payments.stop()
    default.stop()


@pytest.fixture(scope="session")
def qcluster(clusters):
    """Both clusters running; the default one."""
    return clusters.default


@pytest.fixture(scope="session")
def daphne_server(django_db_setup, session_tmp):
    """The real ASGI server (HTTP + websockets over channels-redis). Yields its port."""
    from tests.support.processes import start_daphne

    proc, port = start_daphne(session_tmp)
    yield port
    proc.stop()


@pytest.fixture
def make_user():
    """Create a user in a tenant's schema (or 'public' for a system admin)."""
    from django_tenants.utils import schema_context

    from tenants.accounts.models import User

    def make(schema: str, username: str, role: str = "viewer", **extra):
        with schema_context(schema):
            user = User.objects.create_user(
                username=username, password=PASSWORD, role=role, **extra
            )
        return user

    return make


@pytest.fixture
def tenant_client():
    """A Django test client logged in on a tenant's host (HTTP_HOST decides the schema)."""
    from django.test import Client
    from django_tenants.utils import schema_context

    def make(schema: str, user=None) -> Client:
        host = "localhost" if schema == "public" else f"{schema}.localhost"
        client = Client(HTTP_HOST=host)
        if user is not None:
            with schema_context(schema):
                client.force_login(user)
        return client

    return make


@pytest.fixture
def browser(live_db, daphne_server):
    """Headless chromium for one test (tests/support/browser.py), on the suite's daphne."""
    from tests.support.browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def tenant_page(browser, daphne_server, make_user):
    """A logged-in page on a tenant's host (or 'public': a system admin), made per call:
    tenant_page("alpha", role="operator", width=390, height=844). Its URLs are relative."""
    import secrets

    from tests.support.browser import host_url, open_page

    def make(schema: str, role: str = "admin", width: int = 1366, height: int = 900, **fields):
        username = fields.pop("username", f"{role}-{secrets.token_hex(3)}")
        if schema == "public":
            fields.setdefault("is_staff", True)
            fields.setdefault("is_superuser", True)
        make_user(schema, username, role=role, **fields)
        base = host_url(daphne_server, schema)
        return open_page(browser, base, username, PASSWORD, width=width, height=height)

    return make
