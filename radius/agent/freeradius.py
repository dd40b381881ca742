"""The FreeRADIUS 3 configuration radtik ships: Debian's /etc/freeradius/3.0 with what radtik's
users and a current MikroTik need, written by `python -m radius.agent freeradius-config`.

What it changes in the shipped configuration, and why:
- the sql module reads the agent's store (SQLite file or PostgreSQL), `sql` in session {} counts
  open sessions for Simultaneous-Use;
- counters in authorize: time across sessions (Max-All-Session), validity after first use
  (Expire-After) and data across sessions (Radtik-Max-Total-Octets: replies with what remains
  as Mikrotik-Total-Limit + -Gigawords and rejects when nothing remains);
- every Access-Accept/-Reject carries a Message-Authenticator (RouterOS >= 7.15 drops replies
  without one: BlastRADIUS) and every client must send one;
- routers are RADIUS clients from the agent's nas table (dynamic clients), so a router radtik
  deploys authenticates without anyone editing clients.conf;
- replies carry Acct-Interim-Interval unless the user's own reply rows set it;
- accounting keeps the router's NAS-Identifier (radtik_nasidentifier, a column the agent adds);
- MAC lock (Radtik-Mac-Lock): a user so marked logs in only from its first device;
- radpostauth never stores the password; EAP (certificates radtik does not use) is left out;
- Debian 3.2.1's SQLite queries that are wrong are replaced (see SQLITE_FIXES).
No Django here: this runs on the RADIUS host.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

SOURCE = Path("/etc/freeradius/3.0")

# Internal attributes (never on the wire): the data limit the agent writes as a check item, and
# what the data counter leaves of it. 3000+ is FreeRADIUS's range for local attributes.
DICTIONARY = """
# radtik: data limits across sessions (see sites-enabled/default, radtik_data_limit)
ATTRIBUTE	Radtik-Max-Total-Octets		3190	integer64
ATTRIBUTE	Radtik-Total-Octets-Remaining	3191	integer64
# radtik: only the first device (Calling-Station-Id) may log in (see radtik_mac_lock)
ATTRIBUTE	Radtik-Mac-Lock			3192	integer
"""

DATA_COUNTER = """
# radtik: octets in and out over all of a user's sessions, against Radtik-Max-Total-Octets.
# As text: rlm_sql_sqlite reads integer columns as 32-bit and would wrap past 2 GiB.
sqlcounter radtik_data_limit {
	sql_module_instance = sql
	dialect = ${modules.sql.dialect}
	counter_name = Radtik-Total-Octets-Used
	check_name = Radtik-Max-Total-Octets
	reply_name = Radtik-Total-Octets-Remaining
	key = User-Name
	reset = never
	query = "SELECT CAST(COALESCE(SUM(acctinputoctets + acctoutputoctets), 0) AS TEXT) \\
		FROM radacct WHERE username = '%{${key}}'"
}
"""

# Splits what remains into the two MikroTik attributes (Total-Limit is 32-bit).
DATA_REPLY = """\
	# radtik: what remains of the data limit, as MikroTik reads it.
	if (&reply:Radtik-Total-Octets-Remaining) {
		update reply {
			&Mikrotik-Total-Limit := "%{expr:%{reply:Radtik-Total-Octets-Remaining} & 4294967295}"
			&Mikrotik-Total-Limit-Gigawords := "%{expr:%{reply:Radtik-Total-Octets-Remaining} >> 32}"
		}
		# As the agent writes it: Gigawords only past 4 GiB.
		if (&reply:Mikrotik-Total-Limit-Gigawords == 0) {
			update reply {
				&Mikrotik-Total-Limit-Gigawords !* ANY
			}
		}
		update reply {
			&Radtik-Total-Octets-Remaining !* ANY
		}
	}
"""  # noqa: E501

MESSAGE_AUTHENTICATOR = """\
	# radtik: RouterOS >= 7.15 drops replies without it (BlastRADIUS); the value is computed
	# when the reply is sent.
	update reply {
		&Message-Authenticator := 0x00
	}
"""

DYNAMIC_CLIENTS = """\
# radtik: RADIUS clients are the routers radtik deployed, from the agent's nas table, looked up
# by source address on their first packet and kept for the lifetime of the client definition.
server dynamic_clients {
	authorize {
		if ("%{sql: SELECT COUNT(*) FROM nas WHERE nasname = '%{Packet-Src-IP-Address}'}" != 0) {
			update control {
				&FreeRADIUS-Client-IP-Address = "%{Packet-Src-IP-Address}"
				&FreeRADIUS-Client-Require-MA = yes
				&FreeRADIUS-Client-Shortname = "%{sql: SELECT shortname FROM nas WHERE nasname = '%{Packet-Src-IP-Address}'}"
				&FreeRADIUS-Client-Secret = "%{sql: SELECT secret FROM nas WHERE nasname = '%{Packet-Src-IP-Address}'}"
				&FreeRADIUS-Client-NAS-Type = "other"
			}
			ok
		}
		else {
			fail
		}
	}
}
"""  # noqa: E501

# Debian 3.2.1's SQLite queries: Simultaneous-Use looks sessions up by group name instead of
# user name (so it never refuses anyone), and expire_on_login uses NOW()/GREATEST(), which
# SQLite lacks, and reads acctstarttime as a date where the sqlite queries store epoch seconds.
SQLITE_SIMUL_WRONG = "WHERE username = '%{${group_attribute}}' \\\n\tAND acctstoptime IS NULL"
SQLITE_SIMUL_RIGHT = "WHERE username = '%{SQL-User-Name}' \\\n\tAND acctstoptime IS NULL"
SQLITE_EXPIRE_ON_LOGIN = """\
query = "\\
\tSELECT MAX(CAST(strftime('%%s', 'now') AS INTEGER) - acctstarttime, 0) \\
\tFROM radacct \\
\tWHERE username = '%{${key}}' \\
\tORDER BY acctstarttime \\
\tLIMIT 1;"
"""
# radacct has no column for NAS-Identifier (a MikroTik sends its identity there): the agent adds
# one, and accounting fills it once per session, after sql wrote the row.
NAS_IDENTIFIER = """\
	# radtik: the router's identity, beside its address, for radtik's session list.
	if (&NAS-Identifier && (&Acct-Status-Type == Start || &Acct-Status-Type == Interim-Update)) {
		update request {
			&Tmp-String-9 := "%{sql:UPDATE radacct SET radtik_nasidentifier = '%{NAS-Identifier}' WHERE acctuniqueid = '%{Acct-Unique-Session-Id}' AND radtik_nasidentifier IS NULL}"
		}
	}
"""  # noqa: E501
# MAC lock: a user with Radtik-Mac-Lock logs in only from the device it was first accepted from,
# kept in the agent's radtik_mac_lock table (written at the first Access-Accept, so a second
# device is refused even before the first one's accounting starts).
MAC_LOCK_CHECK = """\
	# radtik: MAC lock, the device of the first login only.
	if (&control:Radtik-Mac-Lock) {
		if (!&Calling-Station-Id) {
			update reply {
				&Reply-Message := "This voucher works only on the device it was first used on"
			}
			reject
		}
		update control {
			&Tmp-String-8 := "%{sql:SELECT callingstationid FROM radtik_mac_lock WHERE username = '%{User-Name}'}"
		}
		# An unbound user reads "" (the first device binds it in post-auth).
		if ((&control:Tmp-String-8 != "") && (&control:Tmp-String-8 != "%{Calling-Station-Id}")) {
			update reply {
				&Reply-Message := "This voucher works only on the device it was first used on"
			}
			reject
		}
	}
"""  # noqa: E501
MAC_LOCK_BIND = """\
	# radtik: MAC lock, the first accepted device is the one.
	if (&control:Radtik-Mac-Lock && &Calling-Station-Id) {
		update control {
			&Tmp-String-8 := "%{sql:INSERT INTO radtik_mac_lock (username, callingstationid) SELECT '%{User-Name}', '%{Calling-Station-Id}' WHERE NOT EXISTS (SELECT 1 FROM radtik_mac_lock WHERE username = '%{User-Name}')}"
		}
	}
"""  # noqa: E501
PASSWORD_IN_POSTAUTH = "'%{%{User-Password}:-%{Chap-Password}}'"


@dataclass(frozen=True)
class ConfigOptions:
    db: str  # the agent's store: a SQLite path or a postgresql:// URL
    listen_address: str = "*"
    auth_port: int = 1812
    acct_port: int = 1813
    # Where routers may send from; which of them are clients is the nas table's say.
    clients_network: str = "0.0.0.0/0"
    client_lifetime: int = 300  # seconds before a changed router secret is read again
    interim_interval: int = 60  # Acct-Interim-Interval unless a user's reply rows say otherwise
    # Keep Debian's loopback client (radclient / monitoring on the host) with this secret.
    localhost_secret: str | None = None
    # False: run as whoever starts it, with run/ and log/ inside the directory (tests, non-root).
    service_user: bool = True
    source: Path = SOURCE


def parse_args(argv: list[str]) -> tuple[Path, ConfigOptions]:
    parser = argparse.ArgumentParser(
        prog="python -m radius.agent freeradius-config",
        description="Write the FreeRADIUS 3 configuration directory radtik needs, from Debian's "
        "/etc/freeradius/3.0; then run `freeradius -d OUT` (or replace /etc/freeradius/3.0).",
    )
    parser.add_argument("--db", required=True, help="the agent's --db: SQLite path or URL")
    parser.add_argument("--out", required=True, type=Path, help="a directory to create")
    parser.add_argument("--listen", default="*", help="address to listen on (default: all)")
    parser.add_argument("--auth-port", type=int, default=1812)
    parser.add_argument("--acct-port", type=int, default=1813)
    parser.add_argument(
        "--clients-network",
        default="0.0.0.0/0",
        help="where routers may send from; which are clients is radtik's to say (nas table)",
    )
    parser.add_argument("--interim-interval", type=int, default=60, help="seconds")
    parser.add_argument(
        "--localhost-secret", help="keep a loopback client with this secret (radclient)"
    )
    parser.add_argument(
        "--as-current-user",
        action="store_true",
        help="run as whoever starts FreeRADIUS, with run/ and log/ inside OUT (not as freerad)",
    )
    args = parser.parse_args(argv)
    return args.out, ConfigOptions(
        db=args.db,
        listen_address=args.listen,
        auth_port=args.auth_port,
        acct_port=args.acct_port,
        clients_network=args.clients_network,
        interim_interval=args.interim_interval,
        localhost_secret=args.localhost_secret,
        service_user=not args.as_current_user,
    )


def main(argv: list[str]) -> int:
    out, options = parse_args(argv)
    if out.exists():
        print(f"freeradius-config: {out} exists; name a directory to create", file=sys.stderr)
        return 2
    if not options.source.is_dir():
        print(
            f"freeradius-config: {options.source} not found: apt-get install freeradius "
            "freeradius-postgresql",
            file=sys.stderr,
        )
        return 2
    write_config(out, options)
    print(f"FreeRADIUS configuration written to {out}; check it with: freeradius -C -d {out}")
    return 0


def write_config(out: Path, options: ConfigOptions) -> None:
    """Write a complete FreeRADIUS configuration directory at `out` (which must not exist)."""
    out = Path(out)
    shutil.copytree(options.source, out, symlinks=True)
    if options.service_user and os.geteuid() == 0:
        _owned_like_source(out, options.source)
    _radiusd_conf(out, options)
    for name in ("mods-enabled/eap", "sites-enabled/inner-tunnel"):
        (out / name).unlink(missing_ok=True)
    site = out / "sites-enabled" / "default"
    site.unlink()
    site.write_text(_default_site((out / "sites-available" / "default").read_text(), options))
    (out / "sites-enabled" / "dynamic-clients").unlink(missing_ok=True)
    (out / "sites-enabled" / "radtik-dynamic-clients").write_text(DYNAMIC_CLIENTS)
    (out / "clients.conf").write_text(_clients(options))
    with (out / "dictionary").open("a") as dictionary:
        dictionary.write(DICTIONARY)
    sql = out / "mods-available" / "sql"
    sql.write_text(_sql_module(sql.read_text(), options.db))
    counters = out / "mods-available" / "sqlcounter"
    counters.write_text(counters.read_text() + DATA_COUNTER)
    _queries(out)
    for module in ("sql", "sqlcounter"):
        link = out / "mods-enabled" / module
        if not link.exists():
            link.symlink_to(f"../mods-available/{module}")


def _owned_like_source(out: Path, source: Path) -> None:
    """Debian's files are freerad's and some only readable by it: keep them so in the copy."""
    owner = source.stat()
    for path in [out, *out.rglob("*")]:
        original = source / path.relative_to(out)
        st = original.lstat() if original.exists() or original.is_symlink() else owner
        os.chown(path, st.st_uid, st.st_gid, follow_symlinks=False)


def _radiusd_conf(out: Path, options: ConfigOptions) -> None:
    conf = out / "radiusd.conf"
    text = conf.read_text()
    if not options.service_user:
        for name in ("run", "log", "log/radacct"):
            (out / name).mkdir(exist_ok=True)
        text = re.sub(r"^(\s*)(user|group) = ", r"\1#\2 = ", text, flags=re.M)
        text = re.sub(r"^run_dir = .*$", f"run_dir = {out}/run", text, flags=re.M)
        text = re.sub(r"^logdir = .*$", f"logdir = {out}/log", text, flags=re.M)
    conf.write_text(text)


def _listen_blocks(text: str, options: ConfigOptions) -> str:
    """IPv4 auth/acct listeners on the given address and ports; other listeners dropped."""
    ports = {"auth": options.auth_port, "acct": options.acct_port}
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
                body = re.sub(
                    r"^(\s*)ipaddr = .*$",
                    rf"\g<1>ipaddr = {options.listen_address}",
                    body,
                    flags=re.M,
                )
                body = re.sub(
                    r"^(\s*)port = .*$", rf"\g<1>port = {ports[kind.group(1)]}", body, flags=re.M
                )
                out.append(body)
            block = None
    return "".join(out)


def _section(text: str, header: str) -> tuple[int, int]:
    """Start (after the header line) and end (the closing brace) of a top-level section."""
    start = text.index(f"\n{header} {{\n") + len(f"\n{header} {{\n")
    end = text.index("\n}\n", start)
    return start, end


def _default_site(text: str, options: ConfigOptions) -> str:
    text = _listen_blocks(text, options)
    # EAP needs certificates and a TLS setup a hotspot does not use.
    text = re.sub(r"^\teap \{\n.*?^\t\}\n", "", text, count=1, flags=re.M | re.S)
    text = re.sub(r"^(\s*)eap\s*$", r"\1#eap", text, flags=re.M)
    # Cumulative time, validity after first use and data across sessions, before expiration,
    # so each can shorten what the reply allows.
    text = text.replace(
        "\texpiration\n\tlogintime\n",
        MAC_LOCK_CHECK
        + "\tnoresetcounter\n\texpire_on_login\n\tradtik_data_limit\n\texpiration\n\tlogintime\n",
    )
    text = text.replace("session {\n#\tradutmp\n", "session {\n\tsql\n#\tradutmp\n")
    start, end = _section(text, "accounting")
    body = text[start:end].replace("\t-sql\n", "\t-sql\n" + NAS_IDENTIFIER, 1)
    text = text[:start] + body + text[end:]
    start, end = _section(text, "post-auth")
    interim = (
        "\t# radtik: interim accounting updates, unless the user's reply rows set them.\n"
        "\tif (!&reply:Acct-Interim-Interval) {\n"
        f"\t\tupdate reply {{\n\t\t\t&Acct-Interim-Interval := {options.interim_interval}\n"
        "\t\t}\n\t}\n"
    )
    body = DATA_REPLY + MAC_LOCK_BIND + interim + MESSAGE_AUTHENTICATOR + text[start:end]
    body = body.replace(
        "\tPost-Auth-Type REJECT {\n",
        "\tPost-Auth-Type REJECT {\n" + MESSAGE_AUTHENTICATOR.replace("\n\t", "\n\t\t"),
        1,
    )
    return text[:start] + body + text[end:]


def _clients(options: ConfigOptions) -> str:
    parts = ["# radtik: routers are clients from the agent's nas table (radtik-dynamic-clients).\n"]
    if options.localhost_secret is not None:
        parts.append(
            "client localhost {\n\tipaddr = 127.0.0.1\n"
            f"\tsecret = {_quoted(options.localhost_secret)}\n"
            "\trequire_message_authenticator = yes\n\tnas_type = other\n}\n"
        )
    parts.append(
        "client radtik_routers {\n"
        f"\tipaddr = {options.clients_network}\n"
        "\tdynamic_clients = dynamic_clients\n"
        f"\tlifetime = {options.client_lifetime}\n"
        "}\n"
    )
    return "".join(parts)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


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


def _queries(out: Path) -> None:
    main = out / "mods-config" / "sql" / "main"
    for dialect in ("sqlite", "postgresql"):
        queries = main / dialect / "queries.conf"
        text = queries.read_text().replace(PASSWORD_IN_POSTAUTH, "''")
        if dialect == "sqlite":
            text = text.replace(SQLITE_SIMUL_WRONG, SQLITE_SIMUL_RIGHT)
        queries.write_text(text)
    counter = out / "mods-config" / "sql" / "counter" / "sqlite" / "expire_on_login.conf"
    counter.write_text(SQLITE_EXPIRE_ON_LOGIN)
