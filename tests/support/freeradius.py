"""A real FreeRADIUS 3 (Debian package) on loopback, reading the RADIUS agent's database.

Configured per PROTOCOLS.md: a copy of /etc/freeradius/3.0 with the sql module pointed at the
agent's SQLite file or PostgreSQL database, sqlcounter's noresetcounter for Max-All-Session, and
listeners on free loopback ports. Requests are sent with radclient (freeradius-utils).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path("/etc/freeradius/3.0")
SECRET = "testing123"


def available() -> bool:
    return SOURCE.exists() and shutil.which("freeradius") and shutil.which("radclient")


@dataclass
class AuthResult:
    accepted: bool
    attributes: dict[str, str]
    raw: str


def _configure(root: Path, *, db: str, auth_port: int, acct_port: int) -> None:
    shutil.copytree(SOURCE, root, symlinks=True)
    conf = root / "radiusd.conf"
    text = conf.read_text()
    text = re.sub(r"^(\s*)(user|group) = ", r"\1#\2 = ", text, flags=re.M)
    text = text.replace("run_dir = ${localstatedir}/run/${name}", f"run_dir = {root}/run")
    text = text.replace("logdir = ${localstatedir}/log/freeradius", f"logdir = {root}/log")
    conf.write_text(text)
    (root / "run").mkdir()
    (root / "log").mkdir()
    # EAP stays (the default site refers to it); its inner tunnel gets a port of its own.
    from tests.support.processes import free_port

    tunnel = root / "sites-enabled" / "inner-tunnel"
    tunnel.write_text(tunnel.read_text().replace("port = 18120", f"port = {free_port()}"))

    site = root / "sites-enabled" / "default"
    text = site.read_text()
    ports = iter([auth_port, acct_port, auth_port, acct_port])
    text = re.sub(
        r"^(\s*)port = 0", lambda m: f"{m.group(1)}port = {next(ports)}", text, count=4, flags=re.M
    )
    text = text.replace("\tipaddr = *", "\tipaddr = 127.0.0.1")
    text = text.replace("\tipv6addr = ::\t", "\tipv6addr = ::1\t").replace(
        "\tipv6addr = ::\n", "\tipv6addr = ::1\n"
    )
    # Simultaneous-Use needs sql in session{}; cumulative time needs noresetcounter.
    text = text.replace("session {\n#\tradutmp", "session {\n\tsql\n#\tradutmp", 1)
    text = text.replace(
        "\texpiration\n\tlogintime\n", "\tnoresetcounter\n\texpiration\n\tlogintime\n", 1
    )
    site.write_text(text)

    sql = (root / "mods-available" / "sql").read_text()
    if db.startswith(("postgres://", "postgresql://")):
        from urllib.parse import urlparse

        url = urlparse(db)
        conninfo = (
            f"host={url.hostname or '127.0.0.1'} port={url.port or 5432} "
            f"dbname={url.path.lstrip('/')} user={url.username or 'postgres'}"
        )
        sql = sql.replace('dialect = "sqlite"', 'dialect = "postgresql"')
        sql = sql.replace('driver = "rlm_sql_null"', 'driver = "rlm_sql_postgresql"')
        sql = sql.replace('radius_db = "radius"', f'radius_db = "{conninfo}"')
    else:
        sql = sql.replace('driver = "rlm_sql_null"', 'driver = "rlm_sql_sqlite"')
        sql = sql.replace('filename = "/tmp/freeradius.db"', f'filename = "{db}"')
    (root / "mods-available" / "sql").write_text(sql)
    for module in ("sql", "sqlcounter"):
        link = root / "mods-enabled" / module
        if not link.exists():
            link.symlink_to(f"../mods-available/{module}")


class FreeRadius:
    def __init__(self, root: Path, db: str, auth_port: int, acct_port: int):
        self.root, self.db = root, db
        self.auth_port, self.acct_port = auth_port, acct_port
        _configure(root, db=db, auth_port=auth_port, acct_port=acct_port)
        self.log_path = root / "freeradius.out"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            ["freeradius", "-X", "-d", str(root)], stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 20
        while "Ready to process requests" not in self.log_path.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("FreeRADIUS did not start:\n" + self.tail())
            time.sleep(0.1)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def auth(self, username: str, password: str) -> AuthResult:
        out = subprocess.run(
            [
                "radclient",
                "-x",
                "-r",
                "1",
                "-t",
                "3",
                f"127.0.0.1:{self.auth_port}",
                "auth",
                SECRET,
            ],
            input=f'User-Name = "{username}"\nUser-Password = "{password}"\n'
            "Message-Authenticator = 0x00\n",
            capture_output=True,
            text=True,
            timeout=15,
        )
        raw = out.stdout + out.stderr
        received = raw.split("Received", 1)[1] if "Received" in raw else ""
        attributes = {
            m.group(1): m.group(2).strip().strip('"')
            for m in re.finditer(r"^\s+([A-Za-z][\w-]+) = (.*)$", received, flags=re.M)
        }
        return AuthResult("Access-Accept" in received.split("\n", 1)[0], attributes, raw)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()
