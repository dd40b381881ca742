"""PostgreSQL's own client tools (pg_dump, pg_restore) run against radtik's database."""

from __future__ import annotations

import os
import subprocess

from django.db import connection


class PgToolError(RuntimeError):
    """What went wrong, in one line for the command's exit."""


def pg_args() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for a client tool, for the default database."""
    params = connection.settings_dict
    args = ["-h", params.get("HOST") or "127.0.0.1", "-p", str(params.get("PORT") or 5432),
            "-U", params.get("USER") or "postgres", "-d", params["NAME"]]  # fmt: skip
    env = dict(os.environ)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]  # never on the command line (ps would show it)
    return args, env


def pg_run(command: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, env=env, capture_output=True, timeout=3600, **kwargs)
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise PgToolError(f"{command[0]} failed: {last}")
    return done
