"""FreeRADIUS's tables in one SQLite file, shared with rlm_sql_sqlite on the same host."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

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
    schema_sql,
)

# Well under SQLite's host-parameter limit (32766 since 3.32, 999 before).
CHUNK = 500


# What the counters and radtik's reads need beyond the shipped indexes: a user's usage (the time,
# first-use and data counters read it from the index alone), open sessions by user
# (Simultaneous-Use) and by last update (closing stale sessions).
INDEXES = """
CREATE INDEX IF NOT EXISTS radtik_radacct_user_usage ON radacct
    (username, acctstarttime, acctsessiontime, acctinputoctets, acctoutputoctets);
CREATE INDEX IF NOT EXISTS radtik_radacct_open_user ON radacct (username)
    WHERE acctstoptime IS NULL;
CREATE INDEX IF NOT EXISTS radtik_radacct_open_update
    ON radacct (COALESCE(acctupdatetime, acctstarttime)) WHERE acctstoptime IS NULL;
"""


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _insert_json(cur: sqlite3.Cursor, table: str, columns: tuple[str, ...], rows: str) -> None:
    """Insert the rows of a JSON array of arrays (one per row, values in `columns` order)."""
    names = ", ".join(columns)
    values = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
    cur.execute(
        f"INSERT INTO {table} ({names}) SELECT {values} FROM json_each(?) ORDER BY key", [rows]
    )


CACHE_KIB = 128 * 1024  # per connection, at most: SQLite allocates pages as they are used
CHECKPOINT_PAGES = 10_000  # about 40 MB of WAL (the default is 1,000)


class SQLiteStore(Store):
    dialect = "sqlite"
    mark = "?"
    row_errors = (sqlite3.IntegrityError, sqlite3.DataError)

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        self._writer = threading.Lock()
        self._write_conn: sqlite3.Connection | None = None  # opened by the first write
        conn = self._connection()
        if not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'radcheck'"
        ).fetchone():
            conn.executescript(schema_sql("sqlite"))
        conn.execute(OWNER_TABLE_SQL)
        conn.execute(MAC_LOCK_TABLE_SQL)
        conn.execute(LIMITS_TABLE_SQL)
        conn.executescript(INDEXES)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(radacct)")}
        if accounting.NAS_IDENTIFIER not in columns:
            conn.execute(f"ALTER TABLE radacct ADD COLUMN {accounting.NAS_IDENTIFIER} TEXT")
        if accounting.SEQ_COLUMN not in columns:
            # Rows from before are numbered once, oldest first (no triggers yet).
            conn.executescript(
                f"ALTER TABLE radacct ADD COLUMN {accounting.SEQ_COLUMN} INTEGER NOT NULL "
                f"DEFAULT 0; UPDATE radacct SET {accounting.SEQ_COLUMN} = radacctid;"
            )
        conn.executescript(accounting.SQLITE_SETUP)

    def _connection(self) -> sqlite3.Connection:
        """The thread's connection for reads (sqlite3 connections are not shared unasked)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open()
        return conn

    def _open(self, *, shared: bool = False) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=not shared
        )
        # WAL: FreeRADIUS keeps reading while a batch is written. NORMAL: no fsync per commit
        # (a power cut may lose the last batches, never corrupt the file).
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # Voucher codes are random, so each batch writes all over the username indexes: with
        # SQLite's default 2 MB page cache a 100,000-voucher sync re-read pages from disk for
        # every chunk, and its chunks took 3x longer by the end than at the start.
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        # Fewer, larger checkpoints: a page a sync rewrites in several batches is copied back
        # to the database once (a fifth off a 100,000-voucher sync).
        conn.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Cursor]:
        # Every write goes through one connection, taken in turn under a lock: a connection
        # drops its page cache when another one has written, so batches alternating between
        # two threads' connections each re-read the indexes from the file (a 200,000-voucher
        # sync, two chunks in flight, took 2.2x a 100,000 one). The lock also wakes the next
        # writer the moment one commits, where SQLite's busy timeout would poll, sleeping up
        # to 100 ms between tries. FreeRADIUS, another process, still meets the busy timeout.
        with self._writer:
            try:
                if self._write_conn is None:
                    self._write_conn = self._open(shared=True)
                cur = self._write_conn.cursor()
                # IMMEDIATE takes the write lock now, so two writers queue, not deadlock.
                cur.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(f"SQLite database {self.path}: {exc}") from exc
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            try:
                cur.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                cur.execute("ROLLBACK")
                raise StoreUnavailable(f"SQLite database {self.path}: {exc}") from exc

    @contextmanager
    def savepoint(self, cur: sqlite3.Cursor) -> Iterator[None]:
        cur.execute("SAVEPOINT item")
        try:
            yield
        except BaseException:
            cur.execute("ROLLBACK TO item")
            cur.execute("RELEASE item")
            raise
        cur.execute("RELEASE item")

    def delete_rows(self, cur: sqlite3.Cursor, usernames: list[str]) -> set[str]:
        present: set[str] = set()
        for chunk in _chunks(usernames):
            marks = ",".join("?" * len(chunk))
            for table in USER_TABLES:
                cur.execute(
                    f"DELETE FROM {table} WHERE username IN ({marks}) RETURNING username", chunk
                )
                present.update(name for (name,) in cur.fetchall())
        return present

    def rows_prepare(self, users: list[UserRows]) -> list[tuple[str, tuple[str, ...], str]]:
        # One statement per table reading a JSON array (json_each): SQLite unpacks the rows in
        # C, about a fifth less CPU than executemany binding them one by one from Python. The
        # arrays are encoded here, outside the writer's lock (a ninth of a batch's time in it).
        tables = (
            ("radcheck", ("username", "attribute", "op", "value"),
             [(u.username, *row) for u in users for row in u.check]),
            ("radusergroup", ("username", "groupname", "priority"), memberships(users)),
            (OWNER_TABLE, ("username", "owner"),
             [(u.username, u.owner) for u in users if u.owner]),
        )  # fmt: skip
        return [(table, columns, json.dumps(rows)) for table, columns, rows in tables if rows]

    def insert_rows(
        self, cur: sqlite3.Cursor, prepared: list[tuple[str, tuple[str, ...], str]]
    ) -> None:
        for table, columns, rows in prepared:
            _insert_json(cur, table, columns, rows)

    def select_rows(
        self,
        cur: sqlite3.Cursor,
        table: str,
        columns: str,
        usernames: list[str],
        order: str = "id",
        key: str = "username",
    ) -> list[tuple]:
        rows: list[tuple] = []
        for chunk in _chunks(usernames):
            marks = ",".join("?" * len(chunk))
            cur.execute(
                f"SELECT {key}, {columns} FROM {table} WHERE {key} IN ({marks}) ORDER BY {order}",
                chunk,
            )
            rows.extend(cur.fetchall())
        return rows

    def ping(self) -> None:
        try:
            self._connection().execute("SELECT 1 FROM radcheck LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"SQLite database {self.path}: {exc}") from exc

    def _select(self, sql: str, params: list) -> list[tuple]:
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"SQLite database {self.path}: {exc}") from exc

    def _before(self, seconds: str) -> str:
        return f"(CAST(strftime('%s', 'now') AS INTEGER) - {seconds})"

    def _now(self) -> str:
        return "CAST(strftime('%s', 'now') AS INTEGER)"
