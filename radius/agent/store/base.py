"""The repository both dialects share: replace, delete and read a user's rows as a whole."""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from radius.agent.attributes import LIMITS_PREFIX, Limits, UserRows
from radius.agent.store import accounting

VENDORED_DIR = Path(__file__).resolve().parent.parent / "schema"
SHIPPED_DIR = Path("/etc/freeradius/3.0/mods-config/sql/main")
# Ours, beside FreeRADIUS's tables: which radtik tenant and source holds each username, so one
# source cannot overwrite another's user. Created by every start, also on existing databases.
OWNER_TABLE = "radtik_owner"
OWNER_TABLE_SQL = (
    f"CREATE TABLE IF NOT EXISTS {OWNER_TABLE} "
    "(username varchar(64) PRIMARY KEY, owner varchar(200) NOT NULL)"
)
# MAC lock: the device (Calling-Station-Id) a locked user was first accepted from. FreeRADIUS
# writes it (post-auth) and checks it (authorize), see radius.agent.freeradius MAC_LOCK; it is
# not one of the user's rows, so rewriting a user (a resync, a renewal) keeps the device.
MAC_LOCK_TABLE = "radtik_mac_lock"
MAC_LOCK_TABLE_SQL = (
    f"CREATE TABLE IF NOT EXISTS {MAC_LOCK_TABLE} "
    "(username varchar(64) PRIMARY KEY, callingstationid varchar(50) NOT NULL)"
)
# The limits groups written (radius.agent.attributes.Limits): its key makes writing a group's
# rows happen once even when two batches bring it at the same time.
LIMITS_TABLE = "radtik_limits"
LIMITS_TABLE_SQL = f"CREATE TABLE IF NOT EXISTS {LIMITS_TABLE} (groupname varchar(64) PRIMARY KEY)"
# A session is stale after this many of its accounting intervals without an update.
STALE_INTERVALS = 3
USER_TABLES = ("radcheck", "radreply", "radusergroup", OWNER_TABLE)
UserView = dict[str, Any]


def memberships(users: list[UserRows]) -> list[tuple[str, str, int]]:
    """(username, groupname, priority) rows: a user's limits group first (FreeRADIUS reads
    groups by priority), then its groups."""
    rows = []
    for user in users:
        if user.limits:
            rows.append((user.username, user.limits.group, 0))
        rows.extend((user.username, group, 1) for group in user.groups)
    return rows


def schema_sql(dialect: str) -> str:
    """FreeRADIUS's own schema.sql where FreeRADIUS is installed, else the vendored copy of it."""
    shipped = SHIPPED_DIR / dialect / "schema.sql"
    return (shipped if shipped.is_file() else VENDORED_DIR / f"{dialect}.sql").read_text()


def redact(target: str) -> str:
    """A database URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", target)


class StoreUnavailable(Exception):
    """The database cannot be reached or is locked: the request may be retried as a whole."""


class Store(ABC):
    dialect: str
    mark: str  # the driver's parameter placeholder
    # Errors the database raises about the rows themselves (constraints, bad values).
    row_errors: tuple[type[Exception], ...]

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """A cursor inside one transaction; StoreUnavailable when the database is not there."""

    @abstractmethod
    def savepoint(self, cur: Any) -> AbstractContextManager[None]:
        """Undo only what the block wrote if it raises."""

    @abstractmethod
    def delete_rows(self, cur: Any, usernames: list[str]) -> set[str]:
        """Delete the users' rows from USER_TABLES; the names that had any."""

    @abstractmethod
    def rows_prepare(self, users: list[UserRows]) -> Any:
        """The users' check and group rows, and the owner of those that have one, in the form
        insert_rows writes (their reply rows are their limits group's, written by
        _limits_put). No database: a batch is made ready before its transaction, while
        another batch may hold the writer."""

    @abstractmethod
    def insert_rows(self, cur: Any, prepared: Any) -> None:
        """Write rows made by rows_prepare."""

    @abstractmethod
    def select_rows(
        self,
        cur: Any,
        table: str,
        columns: str,
        usernames: list[str],
        order: str = "id",
        key: str = "username",
    ) -> list[tuple]:
        """(key, *columns) of the rows in table whose key is one of usernames, in insertion
        order."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers."""

    def replace_users(self, users: list[UserRows]) -> dict[int, str]:
        """Replace each user's rows as a whole; {position in users: reason} for those refused.

        A user held by another owner is refused and left as it is. One transaction for the
        batch; only if the database refuses some row is the batch redone user by user under
        savepoints, so one bad user does not sink the others.
        """
        prepared = self.rows_prepare(users)
        try:
            with self.transaction() as cur:
                refused, owners = self._held_by_others(cur, users)
                accepted = [user for i, user in enumerate(users) if i not in refused]
                self.delete_rows(cur, self._present(cur, [u.username for u in accepted], owners))
                self._limits_put(cur, [u.limits for u in accepted if u.limits])
                self.insert_rows(cur, self.rows_prepare(accepted) if refused else prepared)
            return refused
        except self.row_errors:
            pass
        with self.transaction() as cur:
            refused, _ = self._held_by_others(cur, users)
            for position, user in enumerate(users):
                if position in refused:
                    continue
                try:
                    with self.savepoint(cur):
                        self.delete_rows(cur, [user.username])
                        self._limits_put(cur, [user.limits] if user.limits else [])
                        self.insert_rows(cur, self.rows_prepare([user]))
                except self.row_errors as exc:
                    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                    refused[position] = f"the RADIUS database refused the rows: {detail}"[:300]
        return refused

    def _limits_put(self, cur: Any, limits: list[Limits]) -> None:
        """Write the groups of these limits that are not there yet (a batch has one or two)."""
        m = self.mark
        for one in {limit.group: limit for limit in limits}.values():
            cur.execute(
                f"INSERT INTO {LIMITS_TABLE} (groupname) VALUES ({m}) ON CONFLICT DO NOTHING",
                [one.group],
            )
            if cur.rowcount != 1:
                continue  # written before: its name says its rows are these
            for table, rows in (("radgroupcheck", one.check), ("radgroupreply", one.reply)):
                if rows:
                    cur.executemany(
                        f"INSERT INTO {table} (groupname, attribute, op, value) "
                        f"VALUES ({m}, {m}, {m}, {m})",
                        [(one.group, *row) for row in rows],
                    )

    def _held_by_others(
        self, cur: Any, users: list[UserRows]
    ) -> tuple[dict[int, str], dict[str, str]]:
        """Users whose name another owner holds, and the recorded owner of each name. Rows
        without a recorded owner (written before owners were recorded, or by a client that
        names none) are taken over."""
        held = dict(
            self.select_rows(cur, OWNER_TABLE, "owner", [u.username for u in users], "username")
        )
        refused = {
            position: (
                f"username {user.username!r} on this RADIUS server already belongs to "
                f"{held[user.username]!r}; it was not changed"
            )
            for position, user in enumerate(users)
            if held.get(user.username, user.owner) != user.owner
        }
        return refused, held

    def _present(self, cur: Any, usernames: list[str], owners: dict[str, str]) -> list[str]:
        """The names that have rows to replace: those with an owner, and of the others those
        with a password row (every user the agent writes has one). A new batch's names are
        then one index probe each instead of a delete from each of the four tables."""
        unowned = [name for name in usernames if name not in owners]
        found = {row[0] for row in self.select_rows(cur, "radcheck", "id", unowned)}
        return [name for name in usernames if name in owners or name in found]

    def delete_users(self, usernames: list[str], scope: str | None = None) -> tuple[int, list[str]]:
        """(how many of the users had rows, all gone now; the names kept).

        With a scope (a radtik tenant), users another scope owns are kept: one tenant's
        removal never deletes another's user of the same name.
        """
        with self.transaction() as cur:
            kept: list[str] = []
            if scope is not None:
                held = self.select_rows(cur, OWNER_TABLE, "owner", usernames, "username")
                kept = [name for name, owner in held if owner.split(":", 1)[0] != scope]
                others = set(kept)
                usernames = [name for name in usernames if name not in others]
            for name in usernames:  # a removed user's device is free again
                cur.execute(f"DELETE FROM {MAC_LOCK_TABLE} WHERE username = {self.mark}", [name])
            return len(self.delete_rows(cur, usernames)), kept

    def users(self, usernames: list[str]) -> dict[str, UserView]:
        """The check/reply rows and groups of those users that have any; the rows of a user's
        limits group count as its own (how FreeRADIUS applies them), the group is not listed."""
        found: dict[str, UserView] = {}

        def entry(name: str) -> UserView:
            empty: UserView = {"username": name, "check": [], "reply": [], "groups": []}
            return found.setdefault(name, empty)

        def add(name: str, key: str, rows: list[tuple]) -> None:
            entry(name)[key].extend(
                {"attribute": attribute, "op": op, "value": value} for attribute, op, value in rows
            )

        with self.transaction() as cur:
            limits: dict[str, list[str]] = {}  # group -> its users
            for name, group in self.select_rows(cur, "radusergroup", "groupname", usernames):
                if group.startswith(LIMITS_PREFIX):
                    limits.setdefault(group, []).append(name)
                    entry(name)
                else:
                    entry(name)["groups"].append(group)
            for table, key in (("radcheck", "check"), ("radreply", "reply")):
                for name, *row in self.select_rows(cur, table, "attribute, op, value", usernames):
                    add(name, key, [row])
            for table, key in (("radgroupcheck", "check"), ("radgroupreply", "reply")):
                shared: dict[str, list[tuple]] = {}
                for group, *row in self.select_rows(
                    cur, table, "attribute, op, value", list(limits), key="groupname"
                ):
                    shared.setdefault(group, []).append(tuple(row))
                for group, rows in shared.items():
                    for name in limits[group]:
                        add(name, key, rows)
        return found

    # RADIUS clients: FreeRADIUS's dynamic clients (radius.agent.freeradius) read the nas table.

    def client_put(self, *, address: str, secret: str, shortname: str) -> None:
        """Make the router at `address` a RADIUS client with `secret` (replacing any before)."""
        m = self.mark
        with self.transaction() as cur:
            cur.execute(f"DELETE FROM nas WHERE nasname = {m}", [address])
            cur.execute(
                "INSERT INTO nas (nasname, shortname, type, secret, description) "
                f"VALUES ({m}, {m}, 'other', {m}, 'radtik')",
                [address, shortname, secret],
            )

    def client_delete(self, address: str) -> bool:
        with self.transaction() as cur:
            cur.execute(f"DELETE FROM nas WHERE nasname = {self.mark}", [address])
            return cur.rowcount > 0

    def client_secret(self, address: str) -> str | None:
        """The secret the router at `address` shares with this server (for Disconnect-Requests
        sent to it); None when it is no client."""
        with self.transaction() as cur:
            cur.execute(f"SELECT secret FROM nas WHERE nasname = {self.mark}", [address])
            row = cur.fetchone()
            return row[0] if row else None

    def clients(self) -> list[dict[str, str]]:
        """The clients, without their secrets."""
        with self.transaction() as cur:
            cur.execute("SELECT nasname, shortname FROM nas ORDER BY nasname")
            return [{"address": a, "shortname": s or ""} for a, s in cur.fetchall()]

    # Sessions a NAS never closed (it lost power, or its Accounting-On never came).

    @abstractmethod
    def _before(self, seconds: str) -> str:
        """SQL for the moment `seconds` (an SQL expression) ago, comparable with radacct's
        times."""

    @abstractmethod
    def _now(self) -> str:
        """SQL for now, as radacct stores times."""

    def sessions_close_stale(self, *, silent_for: int) -> int:
        """Close open sessions silent for STALE_INTERVALS of their user's accounting interval
        (the Acct-Interim-Interval of its reply rows or its limits group's), or for
        `silent_for` seconds when it has none (FreeRADIUS's configured default then applies);
        how many.

        They would block Simultaneous-Use forever. Stopped at their last update. Open sessions
        are few (the partial index on them), so the per-row window costs little."""
        stale = f"{STALE_INTERVALS} * CAST(r.value AS INTEGER)"
        own = (
            f"SELECT {stale} FROM radreply r WHERE r.username = radacct.username "
            "AND r.attribute = 'Acct-Interim-Interval' LIMIT 1"
        )
        shared = (
            f"SELECT {stale} FROM radusergroup g JOIN radgroupreply r ON r.groupname = g.groupname "
            "WHERE g.username = radacct.username AND r.attribute = 'Acct-Interim-Interval' "
            "ORDER BY g.priority LIMIT 1"
        )
        window = f"COALESCE(({own}), ({shared}), {int(silent_for)})"
        with self.transaction() as cur:
            cur.execute(
                "UPDATE radacct SET acctstoptime = COALESCE(acctupdatetime, acctstarttime, "
                f"{self._now()}), acctterminatecause = 'Stale-Session' "
                "WHERE acctstoptime IS NULL "
                f"AND COALESCE(acctupdatetime, acctstarttime) < {self._before(window)}"
            )
            return cur.rowcount

    def session_close(self, radacct_id: int, *, cause: str) -> bool | None:
        """Close one open session now (its NAS confirmed it gone but its Stop never came):
        True; False when it was already closed (idempotent); None when there is no such row."""
        m = self.mark
        with self.transaction() as cur:
            cur.execute(
                f"UPDATE radacct SET acctstoptime = {self._now()}, acctterminatecause = {m} "
                f"WHERE radacctid = {m} AND acctstoptime IS NULL",
                [cause, radacct_id],
            )
            if cur.rowcount:
                return True
            cur.execute(f"SELECT 1 FROM radacct WHERE radacctid = {m}", [radacct_id])
            return False if cur.fetchone() else None

    # Accounting read back by radtik (radius.agent.store.accounting).

    @abstractmethod
    def _select(self, sql: str, params: list[Any]) -> list[tuple]:
        """One read, without taking a write lock."""

    def sessions_changed(self, *, after: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """Sessions (open and closed) whose radacct row changed after change number `after`,
        oldest change first, at most `limit`; and the cursor to ask from next."""
        rows = self._select(
            f"SELECT {accounting.COLUMNS} FROM radacct WHERE {accounting.SEQ_COLUMN} > {self.mark} "
            f"ORDER BY {accounting.SEQ_COLUMN} LIMIT {self.mark}",
            [after, limit],
        )
        sessions = [accounting.session_view(row) for row in rows]
        return sessions, sessions[-1]["change"] if sessions else after

    def digests(self, usernames: list[str]) -> dict[str, str | None]:
        found = self.users(usernames)
        return {name: digest(found[name]) if name in found else None for name in usernames}


def digest(user: UserView) -> str:
    """sha256 over the user's rows, sorted, so row order and ids do not matter."""
    lines = sorted(
        [f"check\t{r['attribute']}\t{r['op']}\t{r['value']}" for r in user["check"]]
        + [f"reply\t{r['attribute']}\t{r['op']}\t{r['value']}" for r in user["reply"]]
        + [f"group\t{g}" for g in user["groups"]]
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
