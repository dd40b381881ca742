"""Logins per second through the FreeRADIUS configuration radtik ships, with a big radacct.

For each store (SQLite, PostgreSQL): the agent writes BENCH_AUTH_USERS vouchers (with time and
data limits and Simultaneous-Use, so every login runs the counters over radacct), FreeRADIUS 3
runs `python -m radius.agent freeradius-config`'s output, and BENCH_AUTH_CLIENTS threads send
Access-Requests with Message-Authenticator (replies verified as RouterOS does). Measured in the
same run, in alternating rounds: radacct empty (the baseline) and BENCH_AUTH_RADACCT closed
sessions (300,000) spread over the users. Prints auth/s, the ratio to the baseline and how many
valid users were rejected or got no answer (goal: ratio >= 0.9 on PostgreSQL, 0 rejects on both).

    python bench/freeradius_auth.py      # BENCH_AUTH_REQUESTS=6000 for a quicker look
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from radius.testing.agent import (  # noqa: E402
    STARTUP_DEADLINE,
    RadiusAgent,
    create_database,
    drop_database,
)
from radius.testing.freeradius import FreeRadius, available  # noqa: E402

# 300,000 accounting rows over 20,000 customers: 15 sessions each, a busy month of a hotspot.
USERS = int(os.environ.get("BENCH_AUTH_USERS", "20000"))
RADACCT = int(os.environ.get("BENCH_AUTH_RADACCT", "300000"))
REQUESTS = int(os.environ.get("BENCH_AUTH_REQUESTS", "10000"))
CLIENTS = int(os.environ.get("BENCH_AUTH_CLIENTS", "8"))
ROUNDS = 4


def vouchers() -> list[dict]:
    return [
        {"username": f"B{i:06d}", "password": f"pw{i:06d}", "time_limit": 10**8,
         "data_limit": 10**15, "simultaneous_use": 5}
        for i in range(USERS)
    ]  # fmt: skip


def fill_radacct(db: str) -> None:
    """RADACCT closed sessions, one user in turn, with times and octets the counters sum."""
    now = int(time.time())
    rows = (
        (f"u{i}", f"bench-{i}", f"B{i % USERS:06d}", "10.0.0.1", now - 86400, now - 86000,
         now - 86000, 400, 10**6, 10**7)
        for i in range(RADACCT)
    )  # fmt: skip
    columns = (
        "acctuniqueid, acctsessionid, username, nasipaddress, acctstarttime, acctupdatetime, "
        "acctstoptime, acctsessiontime, acctinputoctets, acctoutputoctets"
    )
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as conn, conn.cursor() as cur:
            with cur.copy(f"COPY radacct ({columns}) FROM STDIN") as copy:
                for row in rows:  # PostgreSQL's radacct holds timestamps, SQLite's epochs
                    start, update, stop = (
                        time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(t)) for t in row[4:7]
                    )
                    copy.write_row((*row[:4], start, update, stop, *row[7:]))
            cur.execute("ANALYZE radacct")
    else:
        with sqlite3.connect(db) as conn:
            marks = ", ".join("?" * 10)
            conn.executemany(f"INSERT INTO radacct ({columns}) VALUES ({marks})", rows)
            conn.execute("ANALYZE")


def load(radius: FreeRadius, requests: int) -> tuple[float, int, int]:
    """(seconds, rejected, unanswered) for `requests` logins of valid users from CLIENTS
    threads."""
    rejected = unanswered = 0
    lock = threading.Lock()
    per_client = requests // CLIENTS

    def client(number: int) -> None:
        nonlocal rejected, unanswered
        for n in range(per_client):
            i = (number * per_client + n) % USERS
            try:
                ok = radius.auth(f"B{i:06d}", f"pw{i:06d}").accepted
            except RuntimeError:
                with lock:
                    unanswered += 1
                continue
            if not ok:
                with lock:
                    rejected += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, rejected, unanswered


def setup(store: str, workdir: Path, *, radacct: bool) -> tuple[RadiusAgent, FreeRadius]:
    db = create_database() if store == "postgresql" else None
    agent = RadiusAgent(workdir / "agent", db)
    items = vouchers()
    for offset in range(0, USERS, 500):
        agent.call("POST", "/batch", json={"vouchers": items[offset : offset + 500]})
    if radacct:
        fill_radacct(agent.db)
    radius = FreeRadius(workdir / "raddb", agent.db, debug=False)
    warm(radius)
    return agent, radius


def warm(radius: FreeRadius, deadline: float = STARTUP_DEADLINE) -> None:
    """One accepted login (connections opened, caches filled) before anything is measured; on
    a loaded machine the first answers can be slow, so ask again until the deadline."""
    end = time.monotonic() + deadline
    while True:
        try:
            if radius.auth("B000000", "pw000000").accepted:
                return
        except RuntimeError:
            pass
        if time.monotonic() > end:
            raise RuntimeError(
                f"FreeRADIUS accepted no login in {deadline:.0f} s:\n{radius.tail()}"
            )
        time.sleep(1)


def run(store: str, workdir: Path) -> None:
    """Two setups side by side, measured in alternating rounds so machine noise hits both."""
    setups = {}
    try:
        for name, radacct in (("empty", False), ("full", True)):
            setups[name] = setup(store, workdir / name, radacct=radacct)
        totals = {name: [0.0, 0, 0] for name in setups}
        for _ in range(ROUNDS):
            for name, (_, radius) in setups.items():
                seconds, rejected, unanswered = load(radius, REQUESTS // ROUNDS)
                totals[name] = [
                    a + b
                    for a, b in zip(totals[name], (seconds, rejected, unanswered), strict=True)
                ]
        rate = {name: (REQUESTS // ROUNDS // CLIENTS * CLIENTS * ROUNDS) / t[0]
                for name, t in totals.items()}  # fmt: skip
        print(
            f"{store:10} radacct empty: {rate['empty']:6.0f} auth/s ({totals['empty'][1]} "
            f"rejected, {totals['empty'][2]} unanswered) | {RADACCT:,} rows: {rate['full']:6.0f} "
            f"auth/s ({totals['full'][1]} rejected, {totals['full'][2]} unanswered) | ratio "
            f"{rate['full'] / rate['empty']:.2f}"
        )
    finally:
        for agent, radius in setups.values():
            radius.stop()
            agent.stop()
            if agent.db.startswith("postgresql://"):
                drop_database(agent.db)


def main() -> int:
    if not available():
        print("FreeRADIUS is not installed: apt-get install freeradius freeradius-postgresql")
        return 1
    print(
        f"{REQUESTS:,} logins of {USERS:,} users from {CLIENTS} clients per measurement "
        "(Message-Authenticator both ways; time, data and Simultaneous-Use counters on)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for store in ("sqlite", "postgresql"):
            run(store, Path(tmp) / store)
    return 0


if __name__ == "__main__":
    sys.exit(main())
