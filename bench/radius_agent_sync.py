"""Sync throughput through the RADIUS agent: 100,000 users in batches of 250, SQLite and PostgreSQL.

Beside each figure, a baseline measured in the same run: the same rows written straight into the
same kind of database by the agent's store (no HTTP, no JSON). Goal: 100,000 in <= 10 s.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TOTAL = int(os.environ.get("BENCH_USERS", "100000"))
CHUNK = 250
PG = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def users(prefix: str) -> list[dict]:
    return [
        {"username": f"{prefix}{i:07d}", "password": f"pw{i:07d}", "profile": "1h",
         "time_limit": 3600, "data_limit": 5 * 2**30, "rate_limit": "2M/5M",
         "simultaneous_use": 1, "expires_at": None}
        for i in range(TOTAL)
    ]


def through_agent(db: str, workdir: Path) -> float:
    import requests

    from tests.support.radius_agent import Agent

    agent = Agent(workdir, db=db)
    try:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {agent.token}"
        payload = users("A")
        start = time.perf_counter()
        for offset in range(0, TOTAL, CHUNK):
            body = session.post(f"{agent.url}/batch",
                                json={"vouchers": payload[offset:offset + CHUNK]}).json()
            assert body["failed"] == 0, body
        return time.perf_counter() - start
    finally:
        agent.stop()


def direct(db: str) -> float:
    from radius.agent.attributes import user_rows
    from radius.agent.store import open_store

    store = open_store(db)
    payload = users("D")
    start = time.perf_counter()
    for offset in range(0, TOTAL, CHUNK):
        store.replace_users([user_rows(item) for item in payload[offset:offset + CHUNK]])
    return time.perf_counter() - start


def scratch_pg() -> str:
    import psycopg

    name = f"radtik_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG.rsplit("/", 1)[0] + f"/{name}"


def drop_pg(url: str) -> None:
    import psycopg

    with psycopg.connect(PG.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for backend in ("sqlite", "postgresql"):
            db_agent = str(work / "agent.db") if backend == "sqlite" else scratch_pg()
            db_direct = str(work / "direct.db") if backend == "sqlite" else scratch_pg()
            (work / backend).mkdir()
            try:
                agent_s = through_agent(db_agent, work / backend)
                direct_s = direct(db_direct)
            finally:
                if backend == "postgresql":
                    drop_pg(db_agent)
                    drop_pg(db_direct)
            print(f"{backend:>10}: {TOTAL:,} users via the agent in {agent_s:.2f} s "
                  f"({TOTAL / agent_s:,.0f}/s; goal <= 10 s)")
            print(f"{'':>10}  baseline straight into the store: {direct_s:.2f} s "
                  f"({TOTAL / direct_s:,.0f}/s); agent / direct = {agent_s / direct_s:.2f}x")


if __name__ == "__main__":
    main()
