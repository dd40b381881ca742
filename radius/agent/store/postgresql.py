"""FreeRADIUS's tables in PostgreSQL, shared with rlm_sql_postgresql."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg

from radius.agent.attributes import UserRows
from radius.agent.store import accounting
from radius.agent.store.base import (
    LIMITS_TABLE_SQL,
    MAC_LOCK_TABLE_SQL,
    OWNER_TABLE,
    OWNER_TABLE_SQL,
    USER_TABLES,
    Store,
    StoreUnavailable,
    memberships,
    redact,
    schema_sql,
)

# COPY's text format: these four characters would otherwise end a field or a row.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escape_backslashes(value: str) -> str:
    return value.replace("\\", "\\\\")


def _escape_fully(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _copy_texts(users: list[UserRows], escape: Callable[[str], str]) -> dict[str, list[str]]:
    """Each table's COPY lines of the users, values escaped with escape. f-strings in list
    comprehensions: a third less CPU than joining tuples. Usernames and attribute names are
    validated to need no escaping."""
    e = escape
    return {
        "radcheck (username, attribute, op, value)": [
            f"{u.username}\t{attribute}\t{op}\t{e(value)}\n"
            for u in users
            for attribute, op, value in u.check
        ],
        "radusergroup (username, groupname, priority)": [
            f"{name}\t{e(group)}\t{priority}\n" for name, group, priority in memberships(users)
        ],
        f"{OWNER_TABLE} (username, owner)": [
            f"{u.username}\t{e(u.owner)}\n" for u in users if u.owner
        ],
    }


def _well_formed(text: str, lines: int, columns: int) -> bool:
    """Whether COPY reads text as these lines of these columns (counted in C)."""
    return (
        text.count("\n") == lines and text.count("\t") == lines * (columns - 1) and "\r" not in text
    )


# Debian's schema has no radacct(username) index: with per-login counters and 300,000 radacct
# rows FreeRADIUS managed 27 auth/s (294 with it). The counters (time, first use, data) read a
# user's rows by username and start time and sum these columns: one covering index serves all
# three from the index alone. Plus open sessions by user (Simultaneous-Use) and by last update
# (closing stale sessions).
INDEXES = """
CREATE INDEX IF NOT EXISTS radtik_radacct_user_usage ON radacct (username, acctstarttime)
    INCLUDE (acctsessiontime, acctinputoctets, acctoutputoctets);
CREATE INDEX IF NOT EXISTS radtik_radacct_open_user ON radacct (username)
    WHERE acctstoptime IS NULL;
CREATE INDEX IF NOT EXISTS radtik_radacct_open_update
    ON radacct (COALESCE(acctupdatetime, acctstarttime)) WHERE acctstoptime IS NULL;
"""


class PostgresStore(Store):
    dialect = "postgresql"
    mark = "%s"
    row_errors = (psycopg.DataError, psycopg.IntegrityError)

    def __init__(self, url: str):
        self.url = url
        self._local = threading.local()
        with self.transaction() as cur:
            cur.execute("SELECT to_regclass('radcheck')")
            if cur.fetchone()[0] is None:
                cur.execute(schema_sql("postgresql"))
            cur.execute(OWNER_TABLE_SQL)
            cur.execute(MAC_LOCK_TABLE_SQL)
            cur.execute(LIMITS_TABLE_SQL)
            cur.execute(INDEXES)
            cur.execute(accounting.POSTGRES_COLUMNS)
            cur.execute(
                "SELECT is_nullable FROM information_schema.columns "
                "WHERE table_name = 'radacct' AND column_name = %s",
                [accounting.SEQ_COLUMN],
            )
            if cur.fetchone()[0] == "YES":  # added just now
                cur.execute(accounting.POSTGRES_BACKFILL)
            cur.execute(accounting.POSTGRES_SETUP)

    def _connection(self) -> psycopg.Connection:
        """One connection per worker thread, opened again after the server dropped it."""
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            try:
                conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except psycopg.OperationalError as exc:
                raise StoreUnavailable(f"PostgreSQL {redact(self.url)}: {exc}") from exc
            # Until autovacuum has analysed a freshly (bulk-)loaded table, the planner guesses
            # that "username = ANY(250 names)" matches most rows and scans the whole table.
            # Every statement here is a username lookup the username indexes serve.
            conn.execute("SET enable_seqscan = off")
            # No wait for the WAL flush at each commit, as the SQLite store's synchronous=NORMAL:
            # a crash of the server may lose the last batches (radtik's reconcile sends them
            # again), never corrupt the tables.
            conn.execute("SET synchronous_commit = off")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Cursor]:
        conn = self._connection()
        try:
            with conn.transaction(), conn.cursor() as cur:
                yield cur
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(f"PostgreSQL {redact(self.url)}: {exc}") from exc

    @contextmanager
    def savepoint(self, cur: psycopg.Cursor) -> Iterator[None]:
        with cur.connection.transaction():  # nested: a SAVEPOINT
            yield

    def delete_rows(self, cur: psycopg.Cursor, usernames: list[str]) -> set[str]:
        # One statement for the four tables: one round trip, one array sent.
        deletes = ", ".join(
            f"d{i} AS (DELETE FROM {table} WHERE username = ANY(%(names)s) RETURNING username)"
            for i, table in enumerate(USER_TABLES)
        )
        union = " UNION ".join(f"SELECT username FROM d{i}" for i in range(len(USER_TABLES)))
        cur.execute(f"WITH {deletes} {union}", {"names": usernames})
        return {name for (name,) in cur.fetchall()}

    def rows_prepare(self, users: list[UserRows]) -> dict[str, str]:
        # COPY: about three times faster than executemany for a batch's ~2,000 rows. Every
        # value was refused if it held a control character (radius.agent.attributes CONTROL),
        # so only backslashes are escaped, a twentieth of str.translate's cost (which was a
        # third of the agent's CPU per user); should a tab or line break get through after
        # all, the counts show it and the rows are escaped fully.
        texts = _copy_texts(users, _escape_backslashes)
        data = {target: "".join(lines) for target, lines in texts.items()}
        if not all(
            _well_formed(data[t], len(lines), t.count(",") + 1) for t, lines in texts.items()
        ):
            data = {t: "".join(lines) for t, lines in _copy_texts(users, _escape_fully).items()}
        return data

    def insert_rows(self, cur: psycopg.Cursor, prepared: dict[str, str]) -> None:
        for target, text in prepared.items():
            if text:
                with cur.copy(f"COPY {target} FROM STDIN") as cp:
                    cp.write(text.encode())

    def select_rows(
        self,
        cur: psycopg.Cursor,
        table: str,
        columns: str,
        usernames: list[str],
        order: str = "id",
        key: str = "username",
    ) -> list[tuple]:
        cur.execute(
            f"SELECT {key}, {columns} FROM {table} WHERE {key} = ANY(%s) ORDER BY {order}",
            [usernames],
        )
        return cur.fetchall()

    def ping(self) -> None:
        with self.transaction() as cur:
            cur.execute("SELECT 1 FROM radcheck LIMIT 1")

    def _select(self, sql: str, params: list) -> list[tuple]:
        with self.transaction() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def _before(self, seconds: str) -> str:
        return f"(now() - ({seconds}) * interval '1 second')"

    def _now(self) -> str:
        return "now()"
