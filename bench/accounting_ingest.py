"""One accounting cycle of 10,000 changed sessions, beside a plain bulk INSERT of the same rows.

A real agent process (SQLite store) holds 10,000 radacct rows of 10,000 vouchers on 10 routers;
radtik reads them in as the sweep does (accounting.ingest.server_ingest: the agent's pages over
HTTP, one COPY + INSERT .. ON CONFLICT per page, the vouchers' usage in the same transaction,
SessionsChanged events to Redis on commit). Two cycles are timed: the sessions' starts (each
voucher's first login: first_used_at, an audit entry and an event each) and, the steady state,
an interim update of all of them. Baseline, in the same run and the same indexed table: the
rows written by one bulk_create (INSERT of 5,000 rows a statement) in one transaction, no
agent, no linking, no usage. Goal: <= 1 s per cycle. Rounds alternate; medians printed.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import scratch  # noqa: E402  (first: it points Django at the scratch database)

SESSIONS = int(os.environ.get("BENCH_SESSIONS", "10000"))
ROUTERS = 10
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
GOAL_S = 1.0


def radacct_fill(db: str, *, started: int) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM radacct")
        conn.executemany(
            "INSERT INTO radacct (acctsessionid, acctuniqueid, username, nasipaddress, "
            "radtik_nasidentifier, acctstarttime, acctupdatetime, acctsessiontime, "
            "acctinputoctets, acctoutputoctets, callingstationid, framedipaddress) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?)",
            [
                (f"s{n:06d}", f"u{n:06d}", f"BV{n:06d}", f"10.0.0.{n % ROUTERS + 1}",
                 f"router-{n % ROUTERS}", started + n % 600, started + n % 600,
                 f"AA:BB:CC:{n >> 16 & 255:02X}:{n >> 8 & 255:02X}:{n & 255:02X}",
                 f"10.5.{n >> 8 & 255}.{n & 255}")
                for n in range(SESSIONS)
            ],
        )  # fmt: skip


def radacct_interim(db: str, *, at: int) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE radacct SET acctupdatetime = ?, acctsessiontime = ? - acctstarttime, "
            "acctinputoctets = acctinputoctets + 50000, acctoutputoctets = acctoutputoctets "
            "+ 900000",
            [at, at],
        )


def main() -> None:
    try:
        scratch.create()
        scratch.add_tenant("bench", "bench.localhost")
        from django.db import connection, transaction
        from django_tenants.utils import schema_context

        from accounting.ingest import _rows, server_ingest
        from accounting.models import AccountingCursor, Session
        from radius.client import agent_client_for
        from radius.services import radius_server_create
        from radius.testing.agent import RadiusAgent
        from routers.models import Router
        from vouchers.models import Voucher, VoucherBatch, VoucherProfile

        workdir = Path(tempfile.mkdtemp(prefix="bench-acct-"))
        agent = RadiusAgent(workdir)
        try:
            with schema_context("bench"):
                server = radius_server_create(
                    name="radius-1", host="127.0.0.1", api_base_url=agent.url, token=agent.token
                ).server
                for n in range(ROUTERS):
                    Router.objects.create(name=f"router-{n}", host=f"10.0.0.{n + 1}",
                                          api_username="admin", api_password="x")  # fmt: skip
                profile = VoucherProfile.objects.create(name="1 day", time_limit=86400)
                batch = VoucherBatch.objects.create(
                    profile=profile, radius_server=server, count=SESSIONS
                )
                Voucher.objects.bulk_create(
                    Voucher(batch=batch, username=f"BV{n:06d}", password="x")
                    for n in range(SESSIONS)
                )
            started = int(time.time()) - 3600
            radacct_fill(agent.db, started=started)
            rows, after = [], 0  # the baseline's rows: the same sessions, linked as ingest does
            with schema_context("bench"), agent_client_for(server) as client:
                while len(rows) < SESSIONS:
                    page = client.sessions(after=after, limit=5000)
                    rows += _rows(server, page.sessions)
                    after = page.cursor
            timings: dict[str, list[float]] = {"insert": [], "starts": [], "interims": []}
            for round_ in range(ROUNDS):
                with schema_context("bench"):
                    Session.objects.all().delete()
                    fields = {f.attname for f in Session._meta.concrete_fields} - {"id"}
                    start = time.perf_counter()
                    with transaction.atomic():
                        Session.objects.bulk_create(
                            [Session(**{k: v for k, v in r.items() if k in fields}) for r in rows],
                            batch_size=5000,
                        )
                    timings["insert"].append(time.perf_counter() - start)

                    Session.objects.all().delete()
                    AccountingCursor.objects.filter(radius_server=server).update(cursor=0)
                    Voucher.objects.update(first_used_at=None, expires_at=None, status="unused",
                                           used_seconds=0, used_octets=0)  # fmt: skip
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE accounting_session")
                    start = time.perf_counter()
                    first = server_ingest(server=server)
                    timings["starts"].append(time.perf_counter() - start)
                    assert first.changed == SESSIONS, first

                radacct_interim(agent.db, at=started + 1800 + round_)
                with schema_context("bench"):
                    start = time.perf_counter()
                    interim = server_ingest(server=server)
                    timings["interims"].append(time.perf_counter() - start)
                    assert interim.changed == SESSIONS, interim
            with schema_context("bench"):
                active = Voucher.objects.filter(status="active").count()
            assert active == SESSIONS, f"{active} vouchers active"
        finally:
            agent.stop()
        med = {name: statistics.median(values) for name, values in timings.items()}
        print(f"{SESSIONS:,} changed sessions in one cycle, median of {ROUNDS} "
              f"(goal <= {GOAL_S:.0f} s):")  # fmt: skip
        print(f"  plain bulk INSERT of the same rows: {med['insert'] * 1000:7.0f} ms")
        for name, label in (("starts", "starts (first logins)"), ("interims", "interim updates")):
            print(f"  ingest, {label:22} {med[name] * 1000:7.0f} ms; ratio "
                  f"{med[name] / med['insert']:.2f}x the INSERT")  # fmt: skip
        print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
