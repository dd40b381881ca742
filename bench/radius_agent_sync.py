"""Sync throughput through the RADIUS agent: 100,000 users in batches of 250, SQLite and PostgreSQL.

Over HTTP (requests.Session, keep-alive) to a real agent process on loopback. Baseline, measured
in the same run on the same kind of database: the same rows inserted straight with executemany
(sqlite3 / psycopg, one transaction per 250 users, no HTTP, no validation, no replace).
Goal: 100,000 users through the agent in <= 10 s on 2 cores.

    python bench/radius_agent_sync.py            # BENCH_USERS=20000 for a quicker run
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from radius.agent.attributes import user_rows  # noqa: E402
from radius.testing.agent import RadiusAgent, create_database, drop_database  # noqa: E402

TOTAL = int(os.environ.get("BENCH_USERS", "100000"))
# The baseline's rate is steady after a few batches; a slice keeps the bench under 3 minutes.
BASELINE = min(TOTAL, int(os.environ.get("BENCH_BASELINE_USERS", "25000")))
CHUNK = 250


def vouchers(prefix: str) -> list[dict[str, Any]]:
    return [
        {"username": f"{prefix}{i:07d}", "password": f"pw{i:07d}", "profile": "1 hour",
         "time_limit": 3600, "data_limit": 5 * 2**30, "rate_limit": "2M/5M",
         "simultaneous_use": 1, "expires_at": "2030-01-01T00:00:00+00:00"}
        for i in range(TOTAL)
    ]  # fmt: skip


def through_agent(db: str | None, workdir: Path) -> float:
    import requests

    agent = RadiusAgent(workdir, db)
    try:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {agent.token}"
        items = vouchers("A")
        start = time.perf_counter()
        for offset in range(0, TOTAL, CHUNK):
            response = session.post(
                f"{agent.url}/batch", json={"vouchers": items[offset : offset + CHUNK]}, timeout=60
            )
            assert response.json()["synced"] == len(items[offset : offset + CHUNK]), response.text
        return time.perf_counter() - start
    finally:
        agent.stop()


def direct_insert(db: str) -> float:
    """Seconds per user: executemany of the same rows into a schema the agent created."""
    users = [user_rows(item) for item in vouchers("D")[:BASELINE]]  # row building: not timed
    postgres = db.startswith("postgresql://")
    if postgres:
        import psycopg

        conn: Any = psycopg.connect(db)
        mark = "%s"
    else:
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        mark = "?"
    values = ", ".join([mark] * 4)
    start = time.perf_counter()
    for offset in range(0, BASELINE, CHUNK):
        chunk = users[offset : offset + CHUNK]
        cur = conn.cursor()
        for table, key in (("radcheck", "check"), ("radreply", "reply")):
            cur.executemany(
                f"INSERT INTO {table} (username, attribute, op, value) VALUES ({values})",
                [(u.username, *row) for u in chunk for row in getattr(u, key)],
            )
        cur.executemany(
            f"INSERT INTO radusergroup (username, groupname, priority) VALUES ({mark}, {mark}, 1)",
            [(u.username, group) for u in chunk for group in u.groups],
        )
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed / BASELINE


def main() -> None:
    print(f"RADIUS agent sync: {TOTAL:,} users in batches of {CHUNK}, "
          f"8 rows each, {os.cpu_count()} CPUs")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for backend in ("sqlite", "postgresql"):
            agent_db = create_database() if backend == "postgresql" else None
            direct_db = create_database() if backend == "postgresql" else str(work / "direct.db")
            try:
                RadiusAgent(work / f"{backend}-schema", direct_db).stop()  # creates the schema
                agent_s = through_agent(agent_db, work / f"{backend}-agent")
                direct_rate = 1 / direct_insert(direct_db)
            finally:
                for db in (agent_db, direct_db):
                    if db and db.startswith("postgresql://"):
                        drop_database(db)
            rate = TOTAL / agent_s
            print(f"{backend:>10}: agent {agent_s:6.2f} s = {TOTAL / agent_s:8,.0f} vouchers/s "
                  f"| executemany baseline ({BASELINE:,} users) {direct_rate:8,.0f}/s "
                  f"| agent/baseline {TOTAL / agent_s / direct_rate:.2f}x "
                  f"| goal 10,000/s {'met' if rate >= 10_000 else 'missed'}")  # fmt: skip


if __name__ == "__main__":
    main()
