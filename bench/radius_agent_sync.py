"""Sync throughput through the RADIUS agent: 100,000 users with random codes in batches of
2,500 (radtik's VOUCHER_SYNC_CHUNK), SQLite and PostgreSQL; sent in username order, as radtik
sends a batch, and in random order (the names then land all over the username indexes, as a
batch's do among other batches' on a server that holds many).

Over HTTP (requests.Session, keep-alive) to a real agent process on loopback, in the compact
form radtik sends (each set of shared fields once, then [username, password, set] per user)
with as many chunks in flight as radtik keeps (2; BENCH_IN_FLIGHT=1 for one at a time).
Baseline, measured in the same run into the same indexed tables: the same rows written
plainly, one transaction per batch, no HTTP, no validation, no replace, no owner check: COPY on
PostgreSQL (with the agent's session settings), executemany on SQLite (it has no COPY).
Goal: 100,000 users <= 6 s on PostgreSQL and <= 5 s on SQLite, and <= 1.5x the baseline.
Each figure is the best of BENCH_ROUNDS (2) runs, agent and baseline in turn; all are printed.

    python bench/radius_agent_sync.py            # BENCH_USERS=20000 for a quicker run
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from radius.agent.attributes import user_rows  # noqa: E402
from radius.agent.store.base import memberships  # noqa: E402
from radius.agent.store.sqlite import CACHE_KIB, CHECKPOINT_PAGES  # noqa: E402
from radius.testing.agent import RadiusAgent, create_database, drop_database  # noqa: E402

TOTAL = int(os.environ.get("BENCH_USERS", "100000"))
CHUNK = int(os.environ.get("BENCH_CHUNK", "2500"))  # radtik's VOUCHER_SYNC_CHUNK
IN_FLIGHT = int(os.environ.get("BENCH_IN_FLIGHT", "2"))  # radtik's vouchers.sync.IN_FLIGHT
GOAL_S = {"sqlite": 5.0, "postgresql": 6.0}
# Each side's best of this many runs, alternating: on a shared 2-core machine one run of
# either varied by a third from one minute to the next.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))


def codes(prefix: str, order: str) -> list[str]:
    """Random codes, as radtik's vouchers have, in username or random order (sequential names
    would only ever append to the indexes, and measured the agent 2-3x faster)."""
    rng = random.Random(prefix)
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    chosen: dict[str, None] = {}
    while len(chosen) < TOTAL:
        chosen[prefix + "".join(rng.choices(alphabet, k=8))] = None
    return sorted(chosen) if order == "username" else list(chosen)


def vouchers(prefix: str, order: str = "random") -> list[dict[str, Any]]:
    return [
        {"username": name, "password": f"pw{i:07d}", "groups": ["1 hour"],
         "owner": "bench:voucher_batch:1", "time_limit": 3600, "data_limit": 5 * 2**30,
         "rate_limit": "2M/5M", "simultaneous_use": 1, "valid_after_first_use": 86400,
         "expires_at": "2030-01-01T00:00:00+00:00"}
        for i, name in enumerate(codes(prefix, order))
    ]  # fmt: skip


def compact(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The body radtik sends (radius.client.compact_batch): the bench's vouchers share all
    but their names and passwords."""
    shared = {key: value for key, value in items[0].items() if key not in ("username", "password")}
    return {"shared": [shared], "credentials": [[i["username"], i["password"], 0] for i in items]}


def through_agent(db: str | None, workdir: Path, order: str) -> float:
    import requests

    agent = RadiusAgent(workdir, db)
    sessions = [requests.Session() for _ in range(IN_FLIGHT)]
    for session in sessions:
        session.headers["Authorization"] = f"Bearer {agent.token}"

    def post(k: int, body: dict[str, Any]) -> None:
        response = sessions[k % IN_FLIGHT].post(f"{agent.url}/batch", json=body, timeout=60)
        assert response.json()["synced"] == len(body["credentials"]), response.text

    try:
        items = vouchers("A", order)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
            # A worker per chunk in flight, each on its own session: chunk k waits for k - 2.
            answers = [pool.submit(post, k, compact(items[offset : offset + CHUNK]))
                       for k, offset in enumerate(range(0, TOTAL, CHUNK))]  # fmt: skip
            for answer in answers:
                answer.result()
        return time.perf_counter() - start
    finally:
        agent.stop()


def direct_insert(db: str, order: str) -> float:
    """Seconds for the same rows written plainly into a schema the agent created."""
    users = [user_rows(item) for item in vouchers("D", order)]  # row building: not timed
    columns = {
        "radcheck": "username, attribute, op, value",
        "radusergroup": "username, groupname, priority",
        "radtik_owner": "username, owner",
    }

    def rows(part: list, table: str) -> list[tuple]:
        if table == "radcheck":
            return [(u.username, *row) for u in part for row in u.check]
        if table == "radusergroup":
            return [(name, group, str(priority)) for name, group, priority in memberships(part)]
        return [(u.username, u.owner) for u in part]

    chunks = [
        {table: rows(users[offset : offset + CHUNK], table) for table in columns}
        for offset in range(0, TOTAL, CHUNK)
    ]
    if db.startswith("postgresql://"):
        import psycopg

        conn: Any = psycopg.connect(db)
        conn.execute("SET synchronous_commit = off")  # as the agent's sessions
        conn.commit()
        start = time.perf_counter()
        for chunk in chunks:
            with conn.cursor() as cur:
                for table, names in columns.items():
                    text = "".join("\t".join(row) + "\n" for row in chunk[table])
                    with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        copy.write(text)
            conn.commit()
    else:
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")  # as the agent's connections
        conn.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
        start = time.perf_counter()
        for chunk in chunks:
            for table, names in columns.items():
                marks = ", ".join("?" * (names.count(",") + 1))
                conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", chunk[table])
            conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def rows_per_user() -> int:
    """The rows one bench voucher is stored as (its limits group's are written once)."""
    (user,) = [user_rows(item) for item in vouchers("R")[:1]]
    return len(user.check) + len(memberships([user])) + bool(user.owner)


def main() -> None:
    print(f"RADIUS agent sync: {TOTAL:,} users in batches of {CHUNK:,}, {IN_FLIGHT} in flight, "
          f"{rows_per_user()} rows each, {os.cpu_count()} CPUs", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for order in ("username", "random"):
            for backend in ("sqlite", "postgresql"):
                measure(work / order, backend, order)


def measure(work: Path, backend: str, order: str) -> None:
    agent_runs, direct_runs = [], []
    for round_ in range(ROUNDS):
        agent_s, direct_s = one_round(work / str(round_), backend, order)
        agent_runs.append(agent_s)
        direct_runs.append(direct_s)
    agent_s, direct_s = min(agent_runs), min(direct_runs)
    plain = "COPY" if backend == "postgresql" else "executemany"
    print(f"{backend:>10}, {order:>8} order: agent {agent_s:6.2f} s = "
          f"{TOTAL / agent_s:7,.0f} users/s (goal <= {GOAL_S[backend]:g} s) | plain {plain} "
          f"{direct_s:5.2f} s | agent/plain {agent_s / direct_s:.2f}x (goal <= 1.5x); best of "
          f"{ROUNDS}, all: agent {', '.join(f'{s:.2f}' for s in agent_runs)}, plain "
          f"{', '.join(f'{s:.2f}' for s in direct_runs)}", flush=True)  # fmt: skip


def one_round(work: Path, backend: str, order: str) -> tuple[float, float]:
    """(agent s, plain s), each into tables of its own, fresh."""
    work.mkdir(parents=True, exist_ok=True)
    agent_db = create_database() if backend == "postgresql" else None
    direct_db = create_database() if backend == "postgresql" else str(work / "direct.db")
    try:
        RadiusAgent(work / f"{backend}-schema", direct_db).stop()  # creates the schema
        return through_agent(agent_db, work / f"{backend}-agent", order), direct_insert(
            direct_db, order
        )
    finally:
        for db in (agent_db, direct_db):
            if db and db.startswith("postgresql://"):
                drop_database(db)


if __name__ == "__main__":
    main()
