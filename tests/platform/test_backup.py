"""One tenant backed up with manage.py backup_tenant and restored with restore_tenant into a
fresh database, where its user logs in and finds its data."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from tests.conftest import PASSWORD
from tests.support import factories
from tests.support.processes import ROOT, process_env, start_daphne
from tests.support.processes import test_database_url as database_url

pytestmark = pytest.mark.usefixtures("live_db")


@pytest.fixture
def fresh_database():
    """An empty database beside the test one, its public schema migrated as a new host's is."""
    name = f"{connection.settings_dict['NAME']}_restore"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = database_url().rsplit("/", 1)[0] + f"/{name}"
    manage(url, "migrate_schemas", "--shared", check=True)
    yield url
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(url: str, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=process_env(DATABASE_URL=url),
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert not check or done.returncode == 0, done.stderr[-2000:]
    return done


def test_a_tenant_restored_into_a_fresh_database_logs_in(
    fresh_database, make_user, tmp_path, tenants
):
    make_user("alpha", "owner", role="admin")
    with schema_context("alpha"):
        router = factories.router()
    backup = tmp_path / "alpha.radtik-backup"
    call_command("backup_tenant", "alpha", out=str(backup))

    restored = manage(fresh_database, "restore_tenant", str(backup), check=True)
    assert "tenant alpha restored" in restored.stdout
    again = manage(fresh_database, "restore_tenant", str(backup))
    assert again.returncode != 0 and "tenant 'alpha' already exists here" in again.stderr

    proc, port = start_daphne(tmp_path, DATABASE_URL=fresh_database, DB_POOL_SIZE="2")
    try:
        base, host = f"http://127.0.0.1:{port}", {"Host": "alpha.localhost"}
        login = requests.post(f"{base}/api/auth/token/", headers=host, timeout=30,
                              json={"username": "owner", "password": PASSWORD})  # fmt: skip
        assert login.status_code == 200, login.text
        token = {**host, "Authorization": f"Token {login.json()['token']}"}
        routers = requests.get(f"{base}/api/routers/", headers=token, timeout=30).json()
        assert [r["name"] for r in routers["results"]] == [router.name]
    finally:
        proc.stop()


def test_a_file_that_is_no_backup_is_refused_in_one_line(tmp_path):
    junk = tmp_path / "junk"
    junk.write_text("not a tar file")
    done = manage(database_url(), "restore_tenant", str(junk))
    assert done.returncode != 0 and "is not a radtik tenant backup" in done.stderr
    assert "Traceback" not in done.stderr
