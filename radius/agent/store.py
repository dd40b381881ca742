"""FreeRADIUS's own SQL tables, on SQLite (WAL) or PostgreSQL. A user's rows are always replaced
as a whole inside one transaction, so a repeated batch leaves exactly one row set."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from radius.agent.attributes import UserRows

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
SHIPPED_DIR = Path("/etc/freeradius/3.0/mods-config/sql/main")
USER_TABLES = ("radcheck", "radreply", "radusergroup")


def schema_sql(dialect: str) -> str:
    """FreeRADIUS's shipped schema when installed here, else the identical vendored copy."""
    shipped = SHIPPED_DIR / dialect / "schema.sql"
    return (shipped if shipped.exists() else SCHEMA_DIR / f"{dialect}.sql").read_text()


class Store:
    dialect = ""
    placeholder = "?"

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        raise NotImplementedError  # pragma: no cover - each dialect defines it

    def replace_users(self, users: list[UserRows]) -> None:
        names = [u.username for u in users]
        with self.transaction() as cur:
            self._delete(cur, names)
            p = self.placeholder
            cur.executemany(
                f"INSERT INTO radcheck (username, attribute, op, value) VALUES ({p},{p},{p},{p})",
                [(u.username, *row) for u in users for row in u.check],
            )
            reply = [(u.username, *row) for u in users for row in u.reply]
            if reply:
                cur.executemany(
                    f"INSERT INTO radreply (username, attribute, op, value) "
                    f"VALUES ({p},{p},{p},{p})",
                    reply,
                )
            groups = [(u.username, g, 1) for u in users for g in u.groups]
            if groups:
                cur.executemany(
                    f"INSERT INTO radusergroup (username, groupname, priority) "
                    f"VALUES ({p},{p},{p})",
                    groups,
                )

    def delete_users(self, usernames: list[str]) -> int:
        with self.transaction() as cur:
            return self._delete(cur, usernames)

    def _delete(self, cur: Any, usernames: list[str]) -> int:
        """Remove the users' rows; returns how many of them had any."""
        present = 0
        for start in range(0, len(usernames), 500):
            chunk = usernames[start : start + 500]
            marks = ",".join([self.placeholder] * len(chunk))
            cur.execute(
                f"SELECT COUNT(DISTINCT username) FROM radcheck WHERE username IN ({marks})", chunk
            )
            present += cur.fetchone()[0]
            for table in USER_TABLES:
                cur.execute(f"DELETE FROM {table} WHERE username IN ({marks})", chunk)
        return present

    def user(self, username: str) -> dict[str, Any] | None:
        found = self.users([username])
        return found.get(username)

    def users(self, usernames: list[str]) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        with self.transaction() as cur:
            for start in range(0, len(usernames), 500):
                chunk = usernames[start : start + 500]
                marks = ",".join([self.placeholder] * len(chunk))
                for table, key in (("radcheck", "check"), ("radreply", "reply")):
                    cur.execute(
                        f"SELECT username, attribute, op, value FROM {table} "
                        f"WHERE username IN ({marks}) ORDER BY id",
                        chunk,
                    )
                    for name, attribute, op, value in cur.fetchall():
                        entry = result.setdefault(
                            name, {"username": name, "check": [], "reply": [], "groups": []}
                        )
                        entry[key].append({"attribute": attribute, "op": op, "value": value})
                cur.execute(
                    f"SELECT username, groupname FROM radusergroup WHERE username IN ({marks}) "
                    f"ORDER BY priority, id",
                    chunk,
                )
                for name, group in cur.fetchall():
                    if name in result:
                        result[name]["groups"].append(group)
        return result

    def digests(self, usernames: list[str]) -> dict[str, str | None]:
        found = self.users(usernames)
        return {name: digest(found[name]) if name in found else None for name in usernames}


def digest(user: dict[str, Any]) -> str:
    rows = sorted(
        [f"c|{r['attribute']}|{r['op']}|{r['value']}" for r in user["check"]]
        + [f"r|{r['attribute']}|{r['op']}|{r['value']}" for r in user["reply"]]
        + [f"g|{g}" for g in user["groups"]]
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


class SQLiteStore(Store):
    dialect = "sqlite"
    placeholder = "?"

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        conn = self._connection()
        exists = conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='radcheck'"
        ).fetchone()
        if exists is None:
            conn.executescript(schema_sql("sqlite"))  # runs its own transaction

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")  # FreeRADIUS reads while we write
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Cursor]:
        conn = self._connection()
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")


class PostgresStore(Store):
    dialect = "postgresql"
    placeholder = "%s"

    def __init__(self, url: str):
        self.url = url
        self._local = threading.local()
        with self.transaction() as cur:
            cur.execute("SELECT to_regclass('radcheck')")
            if cur.fetchone()[0] is None:
                cur.execute(schema_sql("postgresql"))

    def _connection(self) -> Any:
        import psycopg

        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self.url)
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cur:
            yield cur


def open_store(target: str) -> Store:
    if target.startswith(("postgres://", "postgresql://")):
        return PostgresStore(target)
    return SQLiteStore(target)
