"""PostgreSQL's own client tools (pg_dump, pg_restore) run against radtik's database."""

from __future__ import annotations

import os
import subprocess

from django.db import connection


class PgToolError(RuntimeError):
    """What went wrong, in one line for the command's exit."""


def pg_args() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for a client tool: the server and database the
    default connection really uses (a unix socket's directory too: `make run`'s embedded
    PostgreSQL listens only there, named in the URL's query, not its host)."""
    connection.ensure_connection()
    info = connection.connection.info
    args = ["-h", info.host, "-p", str(info.port), "-U", info.user, "-d", info.dbname]
    env = dict(os.environ)
    if info.password:
        env["PGPASSWORD"] = info.password  # never on the command line (ps would show it)
    return args, env


def pg_run(command: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, env=env, capture_output=True, timeout=3600, **kwargs)
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise PgToolError(f"{command[0]} failed: {last}")
    return done
