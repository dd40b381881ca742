"""Fresh machine: embedded PostgreSQL 18 and Redis when the URLs are unset; nothing otherwise."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import psycopg, redis
from radtik.embedded import embedded_database_url, embedded_redis_url
with psycopg.connect(embedded_database_url(keep_running=False)) as conn:
    print("pg", conn.execute("show server_version").fetchone()[0].split(".")[0])
print("redis", redis.Redis.from_url(embedded_redis_url()).ping())
"""


def clean_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(RADTIK_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


def test_embedded_servers_start_under_the_data_dir(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "pg 18" in out.stdout and "redis True" in out.stdout
    assert (tmp_path / "data" / "postgres" / "PG_VERSION").exists()


def test_given_urls_start_nothing(tmp_path):
    env = clean_env(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
        DJANGO_SETTINGS_MODULE="radtik.settings",
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.DATABASES['default']['HOST'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "127.0.0.1"
    assert not (tmp_path / "data").exists()
