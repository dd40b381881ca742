"""FreeRADIUS 3 (the Debian package) on loopback, reading the RADIUS agent's database.

Configured as PROTOCOLS.md says: a copy of /etc/freeradius/3.0 running as the current user
(user/group commented out), without EAP, listening on 127.0.0.1 only, the sql module pointed at
the agent's SQLite file or PostgreSQL database, sql in session{} for Simultaneous-Use, and
sqlcounter's noresetcounter (Max-All-Session) and expire_on_login (Expire-After) in authorize.
Access-Requests go out with pyrad.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import IO, NamedTuple
from urllib.parse import unquote, urlsplit

from pyrad.client import Client, Timeout
from pyrad.dictionary import Dictionary
from pyrad.packet import AccessAccept, AccessRequest, AccountingResponse

from radius.testing.agent import free_port, stop_process

SOURCE = Path("/etc/freeradius/3.0")
DICTIONARIES = Path("/usr/share/freeradius")
SECRET = b"testing123"  # clients.conf's localhost client, as shipped
# pyrad reads only a subset of FreeRADIUS's dictionary syntax: the RFC attributes a hotspot
# answer carries, plus the shipped dictionary.mikrotik (which pyrad reads as is).
RFC_DICTIONARY = """\
ATTRIBUTE User-Name 1 string
ATTRIBUTE User-Password 2 string encrypt=1
ATTRIBUTE NAS-IP-Address 4 ipaddr
ATTRIBUTE NAS-Port 5 integer
ATTRIBUTE Service-Type 6 integer
ATTRIBUTE Framed-IP-Address 8 ipaddr
ATTRIBUTE Reply-Message 18 string
ATTRIBUTE Class 25 octets
ATTRIBUTE Vendor-Specific 26 octets
ATTRIBUTE Session-Timeout 27 integer
ATTRIBUTE Idle-Timeout 28 integer
ATTRIBUTE Calling-Station-Id 31 string
ATTRIBUTE NAS-Identifier 32 string
ATTRIBUTE Acct-Status-Type 40 integer
ATTRIBUTE Acct-Input-Octets 42 integer
ATTRIBUTE Acct-Output-Octets 43 integer
ATTRIBUTE Acct-Session-Id 44 string
ATTRIBUTE Acct-Session-Time 46 integer
ATTRIBUTE Event-Timestamp 55 date
ATTRIBUTE Message-Authenticator 80 octets
ATTRIBUTE Acct-Interim-Interval 85 integer
VALUE Acct-Status-Type Start 1
VALUE Acct-Status-Type Stop 2
VALUE Acct-Status-Type Interim-Update 3
"""


SQLITE_EXPIRE_ON_LOGIN = """\
query = "\\
\tSELECT MAX(CAST(strftime('%%s', 'now') AS INTEGER) - acctstarttime, 0) \\
\tFROM radacct \\
\tWHERE username = '%{${key}}' \\
\tORDER BY acctstarttime \\
\tLIMIT 1;"
"""


class AuthResult(NamedTuple):
    """Unpacks as (accepted, attributes); attribute values as strings, like radclient prints."""

    accepted: bool
    attributes: dict[str, str]


def available() -> bool:
    return SOURCE.is_dir() and shutil.which("freeradius") is not None


def _listen_blocks(text: str, ports: dict[str, int]) -> str:
    """IPv4 auth/acct listeners on 127.0.0.1 and the given ports; IPv6 listeners dropped."""
    out: list[str] = []
    block: list[str] | None = None
    for line in text.splitlines(keepends=True):
        if block is None and line.startswith("listen {"):
            block = [line]
            continue
        if block is None:
            out.append(line)
            continue
        block.append(line)
        if line.startswith("}"):
            body = "".join(block)
            kind = re.search(r"^\s*type = (\w+)", body, re.M)
            if re.search(r"^\s*ipaddr = ", body, re.M) and kind and kind.group(1) in ports:
                body = re.sub(r"^(\s*)ipaddr = .*$", r"\g<1>ipaddr = 127.0.0.1", body, flags=re.M)
                body = re.sub(
                    r"^(\s*)port = .*$", rf"\g<1>port = {ports[kind.group(1)]}", body, flags=re.M
                )
                out.append(body)
            block = None
    return "".join(out)


def _conninfo_quote(value: str) -> str:
    """Escaped for libpq's conninfo ('...'), then for a double-quoted FreeRADIUS string."""
    libpq = value.replace("\\", "\\\\").replace("'", "\\'")
    return libpq.replace("\\", "\\\\").replace('"', '\\"')


def _sql_module(text: str, db: str) -> str:
    """The sql module's dialect, driver and database: the agent's SQLite file or PostgreSQL."""
    if db.startswith(("postgres://", "postgresql://")):
        url = urlsplit(db)
        conninfo = {
            "host": url.hostname or "127.0.0.1",
            "port": url.port or 5432,
            "dbname": unquote(url.path.lstrip("/")),
            "user": unquote(url.username or "postgres"),
            "password": unquote(url.password or ""),
        }
        radius_db = " ".join(
            f"{k}='{_conninfo_quote(str(v))}'" for k, v in conninfo.items() if v != ""
        )
        text = text.replace('dialect = "sqlite"', 'dialect = "postgresql"')
        text = re.sub(r'^\tradius_db = "radius"', f'\tradius_db = "{radius_db}"', text, flags=re.M)
    else:
        text = text.replace('filename = "/tmp/freeradius.db"', f'filename = "{db}"')
        # Wait for the agent's write transactions instead of failing post-auth/accounting.
        text = text.replace("busy_timeout = 200", "busy_timeout = 10000")
    return text.replace('driver = "rlm_sql_null"', 'driver = "rlm_sql_${dialect}"')


def _default_site(text: str, auth_port: int, acct_port: int) -> str:
    text = _listen_blocks(text, {"auth": auth_port, "acct": acct_port})
    # EAP needs certificates and a TLS setup the hotspot tests do not use.
    text = re.sub(r"^\teap \{\n.*?^\t\}\n", "", text, count=1, flags=re.M | re.S)
    text = re.sub(r"^(\s*)eap\s*$", r"\1#eap", text, flags=re.M)
    # Cumulative time (Max-All-Session) and validity after first use (Expire-After) before
    # expiration, so all can shorten Session-Timeout.
    text = text.replace(
        "\texpiration\n\tlogintime\n",
        "\tnoresetcounter\n\texpire_on_login\n\texpiration\n\tlogintime\n",
    )
    # Simultaneous-Use is counted from radacct by the sql module.
    return text.replace("session {\n#\tradutmp\n", "session {\n\tsql\n#\tradutmp\n")


def configure(root: Path, *, db: str, auth_port: int, acct_port: int) -> None:
    """Write a FreeRADIUS configuration directory at root (which must not exist)."""
    shutil.copytree(SOURCE, root, symlinks=True)
    for name in ("run", "log", "log/radacct"):
        (root / name).mkdir(exist_ok=True)
    conf = root / "radiusd.conf"
    text = re.sub(r"^(\s*)(user|group) = ", r"\1#\2 = ", conf.read_text(), flags=re.M)
    text = re.sub(r"^run_dir = .*$", f"run_dir = {root}/run", text, flags=re.M)
    text = re.sub(r"^logdir = .*$", f"logdir = {root}/log", text, flags=re.M)
    conf.write_text(text)
    for name in ("mods-enabled/eap", "sites-enabled/inner-tunnel"):
        (root / name).unlink(missing_ok=True)
    site = (root / "sites-enabled" / "default").resolve()
    site.write_text(_default_site(site.read_text(), auth_port, acct_port))
    sql = root / "mods-available" / "sql"
    sql.write_text(_sql_module(sql.read_text(), db))
    # Debian's 3.2.1 sqlite queries.conf verifies open sessions by group name instead of user
    # name, so Simultaneous-Use never refuses anyone there (the postgresql one is right).
    queries = root / "mods-config" / "sql" / "main" / "sqlite" / "queries.conf"
    queries.write_text(
        queries.read_text().replace(
            "WHERE username = '%{${group_attribute}}' \\\n\tAND acctstoptime IS NULL",
            "WHERE username = '%{SQL-User-Name}' \\\n\tAND acctstoptime IS NULL",
        )
    )
    # Its sqlite expire_on_login query uses NOW() and GREATEST(), which SQLite lacks, and reads
    # acctstarttime as a date where the sqlite queries store epoch seconds.
    counter = root / "mods-config" / "sql" / "counter" / "sqlite" / "expire_on_login.conf"
    counter.write_text(SQLITE_EXPIRE_ON_LOGIN)
    for module in ("sql", "sqlcounter"):
        link = root / "mods-enabled" / module
        if not link.exists():
            link.symlink_to(f"../mods-available/{module}")


class FreeRadius:
    """`freeradius -X -d DIR` reading db; auth() sends one Access-Request."""

    def __init__(self, root: Path, db: str, *, timeout: float = 20):
        self.root, self.db = Path(root), db
        self.auth_port, self.acct_port = free_port(), free_port()
        configure(self.root, db=db, auth_port=self.auth_port, acct_port=self.acct_port)
        self.log_path = self.root / "freeradius.out"
        self._log: IO[bytes] = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            ["freeradius", "-X", "-d", str(self.root)], stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while "Ready to process requests" not in self.log_path.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"FreeRADIUS did not start; its output:\n{self.tail()}")
            time.sleep(0.05)
        dictionary = self.root / "pyrad.dictionary"
        dictionary.write_text(RFC_DICTIONARY)
        self._dictionary = Dictionary(str(dictionary), str(DICTIONARIES / "dictionary.mikrotik"))

    def auth(self, username: str, password: str, **attributes: str | int) -> AuthResult:
        """One PAP Access-Request with a Message-Authenticator; extra attributes by pyrad name
        (NAS_IP_Address="10.5.50.1")."""
        client = Client(
            server="127.0.0.1", authport=self.auth_port, secret=SECRET, dict=self._dictionary
        )
        client.retries, client.timeout = 1, 5
        request = client.CreateAuthPacket(code=AccessRequest, User_Name=username, **attributes)
        request["User-Password"] = request.PwCrypt(password)
        request.add_message_authenticator()
        try:
            reply = client.SendPacket(request)
        except Timeout:
            raise RuntimeError(f"FreeRADIUS did not answer; its output:\n{self.tail()}") from None
        values = {
            str(key): ",".join(str(value) for value in reply[key])
            for key in reply.keys()
            if key != "Message-Authenticator"
        }
        return AuthResult(reply.code == AccessAccept, values)

    def account(
        self,
        username: str,
        status: str,
        session_id: str,
        session_time: int = 0,
        at: float | None = None,
    ) -> None:
        """An Accounting-Request (Start, Interim-Update or Stop) as a NAS would send it, at epoch
        `at` (Event-Timestamp; default now); FreeRADIUS writes radacct, which Simultaneous-Use,
        Max-All-Session and Expire-After count."""
        client = Client(
            server="127.0.0.1", acctport=self.acct_port, secret=SECRET, dict=self._dictionary
        )
        client.retries, client.timeout = 1, 5
        request = client.CreateAcctPacket(
            User_Name=username,
            Acct_Status_Type=status,
            Acct_Session_Id=session_id,
            Acct_Session_Time=session_time,
            NAS_IP_Address="127.0.0.1",
        )
        if at is not None:
            request["Event-Timestamp"] = int(at)
        try:
            reply = client.SendPacket(request)
        except Timeout:
            raise RuntimeError(f"FreeRADIUS did not answer; its output:\n{self.tail()}") from None
        if reply.code != AccountingResponse:
            raise RuntimeError(f"Accounting-Request refused; FreeRADIUS output:\n{self.tail()}")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()
