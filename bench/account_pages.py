"""The pages of an account with 1,000,000 sessions (5,000 online), 100,000 vouchers and
100,000 payments over 60 days, beside the same pages of an account with 1,000 sessions: the
tenant dashboard (/), the online-users page (/sessions/online/) and its API
(/api/sessions/?open=true with its count, and the counts of /api/sessions/online/), and the
session history's first page (/sessions/, /api/sessions/).

Goal: <= 100 ms each with the big account. The dashboard reads every figure from counters
(PaymentDay, VoucherCount, VoucherDay) or a bounded index range (open sessions, today's pending
payments, the last day's failed jobs, the last day's router rollups). One session in 200 is
open, on 50 routers, hotspot sessions linked to vouchers. Rows are made with generate_series in
a scratch database (dropped after); the counters are filled as the services and triggers keep
them: the vouchers' trigger counts the INSERT itself, PaymentDay is the payments' own aggregate.
Rounds alternate so machine noise hits both accounts (bench/lists.py's method).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.support_pages import compare, indexes_built_after  # noqa: E402

SESSIONS_ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
SMALL = 1000
OPEN_EVERY = 200
ROUTERS = 50
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
PATHS = (
    "/",
    "/sessions/online/",
    "/api/sessions/?open=true",
    "/api/sessions/online/",
    "/sessions/",
    "/api/sessions/",
)

# Session n started n*10 s ago; the newest 1 in OPEN_EVERY are open, the rest stopped after
# 5 minutes to an hour.
SESSIONS = """
INSERT INTO "{schema}".accounting_session (radius_server_id, radacct_id, change, username,
    session_id, unique_id, service, router_id, voucher_id, nas_ip_address, nas_identifier,
    mac_address, framed_ip_address, started_at, updated_at, stopped_at, is_open,
    terminate_cause, input_octets, output_octets, session_time, ingested_at)
SELECT %(server)s, n, n, 'U' || (n %% 50000), 's' || n, 'u' || n,
    CASE WHEN n %% 5 = 0 THEN 'pppoe' ELSE 'hotspot' END,
    %(router)s + n %% {routers}, CASE WHEN n %% 5 <> 0 THEN %(voucher)s + n %% 1000 END,
    '10.0.' || (n %% {routers}) || '.1', 'router-' || (n %% {routers}),
    'AA:BB:CC:' || lpad(to_hex(n %% 16777216), 6, '0'), '10.5.' || (n %% 250) || '.' || (n %% 200),
    now() - make_interval(secs => n * 10), now() - make_interval(secs => n * 10 - 60),
    CASE WHEN n > %(open)s THEN now() - make_interval(secs => n * 10 - 300 - n %% 3300) END,
    n <= %(open)s, CASE WHEN n > %(open)s THEN 'User-Request' ELSE '' END,
    n %% 100000000, n %% 1000000000, 300 + n %% 3300, now()
FROM generate_series(1, %(rows)s) n
"""

VOUCHERS_SQL = """
INSERT INTO "{schema}".vouchers_voucher (batch_id, username, password, status, radius_sync_status,
    radius_sync_error, sync_attempts, first_used_at, created_at)
SELECT %(batch)s, 'V' || n, 'p' || n,
    (ARRAY['unused','unused','active','used_up','expired'])[1 + n %% 5],
    CASE WHEN n %% 97 = 0 THEN 'failed' ELSE 'synced' END, '', 1,
    CASE WHEN n %% 5 <> 0 AND n %% 5 <> 1 THEN now() - make_interval(secs => n) END, now()
FROM generate_series(1, %(rows)s) n
"""
# One payment every 52 s: 100,000 cover two months.
PAYMENTS_SQL = """
INSERT INTO "{schema}".billing_payment (token, package_id, phone, amount, mac_address, login_url,
    status, status_reason, merchant_request_id, checkout_request_id, receipt, result_desc,
    resolved_via, raw_request, raw_response, created_at)
SELECT md5(n::text || '{schema}'), %(package)s + n %% 4, '2547' || lpad(n::text, 8, '0'), 50,
    '', '', (ARRAY['completed','failed','pending','completed','completed'])[1 + n %% 5], '',
    'm' || n, 'ws_CO_' || n, CASE WHEN n %% 5 IN (0, 3, 4) THEN 'R' || n END, '', '', '{{}}',
    '{{}}', now() - make_interval(secs => n * 52)
FROM generate_series(1, %(rows)s) n
"""
# What billing.counters would have kept for them: one row per package and local day.
PAYMENT_DAYS_SQL = """
INSERT INTO "{schema}".billing_paymentday (day, package_id, started, completed, failed, flagged,
    income)
SELECT (created_at AT TIME ZONE %(zone)s)::date, package_id, count(*),
    count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'failed'),
    count(*) FILTER (WHERE status = 'flagged'),
    coalesce(sum(amount) FILTER (WHERE status = 'completed'), 0)
FROM "{schema}".billing_payment GROUP BY 1, 2
"""
SAMPLES_SQL = """
INSERT INTO "{schema}".routers_routersample (router_id, resolution, at, cpu_load, memory_pct,
    hotspot_active, ppp_active, rx_bps, tx_bps)
SELECT r.id, %(resolution)s, date_bin('5 minutes', now(), TIMESTAMPTZ '2000-01-01')
        - make_interval(mins => 5 * n),
    10 + n %% 50, 40, 80 + n %% 40, 20 + n %% 10, 5000000 + n * 1000, 800000 + n * 100
FROM "{schema}".routers_router r, generate_series(1, 288) n
"""
JOBS_SQL = """
INSERT INTO "{schema}".jobs_job (kind, target_type, target_id, target_repr, params, status, stage,
    progress, message, attempts, max_attempts, error, created_at, finished_at, delivered_attempt)
SELECT 'vouchers.sync', 'vouchers.voucherbatch', '1', 'batch 1', '{{}}',
    CASE WHEN n %% 50 = 0 THEN 'failed' ELSE 'succeeded' END, 'done', 100, 'ok', 1, 3,
    CASE WHEN n %% 50 = 0 THEN 'agent refused the token' ELSE '' END,
    now() - make_interval(secs => n * 30), now() - make_interval(secs => n * 30 - 2), 1
FROM generate_series(1, %(rows)s) n
"""


def server_and_routers(count: int) -> tuple[Any, list[Any]]:
    """A RADIUS server and `count` routers in the current schema."""
    from radius.models import RadiusServer
    from routers.models import Router

    server = RadiusServer.objects.create(
        name="radius-1", host="127.0.0.1", api_base_url="http://127.0.0.1:9", auth_token="t"
    )
    routers = Router.objects.bulk_create(
        Router(name=f"router-{n}", host=f"10.0.{n}.1", api_username="a", api_password="x")
        for n in range(count)
    )
    return server, routers


def fill(schema: str, rows: int) -> str:
    """`rows` sessions, a tenth as many vouchers and payments (at least 1,000)."""
    vouchers = payments = max(1000, rows // 10)  # sessions are linked to 1,000 vouchers
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from billing.models import Package
    from routers.choices import SampleResolution
    from routers.models import RouterHealth
    from tenants.models import Tenant
    from vouchers.models import VoucherBatch, VoucherProfile

    zone = Tenant.objects.get(schema_name=schema).time_zone
    with schema_context(schema):
        server, routers = server_and_routers(ROUTERS)
        states = ["online"] * 45 + ["degraded"] * 3 + ["offline"] * 2
        RouterHealth.objects.bulk_create(
            RouterHealth(router=router, state=state, due_at=timezone.now(), since=timezone.now())
            for router, state in zip(routers, states, strict=True)
        )
        packages = [
            Package.objects.create(name=f"{hours} hours", price=50, validity_seconds=hours * 3600)
            for hours in (1, 3, 12, 24)
        ]
        profile = VoucherProfile.objects.create(name="1 hour", time_limit=3600)
        batch = VoucherBatch.objects.create(profile=profile, radius_server=server, count=vouchers)
        tables = ("vouchers_voucher", "accounting_session", "billing_payment",
                  "routers_routersample", "jobs_job")  # fmt: skip
        with connection.cursor() as cursor, indexes_built_after(cursor, schema, tables):
            cursor.execute(
                VOUCHERS_SQL.format(schema=schema), {"batch": batch.pk, "rows": vouchers}
            )
            cursor.execute(f'SELECT min(id) FROM "{schema}".vouchers_voucher')
            first_voucher = cursor.fetchone()[0]
            params = {
                "server": server.pk,
                "router": min(r.pk for r in routers),
                "voucher": first_voucher,
                "open": rows // OPEN_EVERY,
                "rows": rows,
            }
            cursor.execute(SESSIONS.format(schema=schema, routers=ROUTERS), params)
            package = min(p.pk for p in packages)
            cursor.execute(
                PAYMENTS_SQL.format(schema=schema), {"package": package, "rows": payments}
            )
            cursor.execute(PAYMENT_DAYS_SQL.format(schema=schema), {"zone": zone})
            cursor.execute(
                SAMPLES_SQL.format(schema=schema), {"resolution": SampleResolution.FIVE_MINUTES}
            )
            cursor.execute(JOBS_SQL.format(schema=schema), {"rows": 10_000})
        with connection.cursor() as cursor:
            # What autovacuum leaves after a load: statistics and the visibility map (closed
            # sessions never change again, so counts read the index alone).
            for table in tables:
                cursor.execute(f'VACUUM ANALYZE "{schema}".{table}')
        if rows > SMALL:
            _figures_timed()
    return (
        f"{rows:,} sessions ({rows // OPEN_EVERY:,} open), {vouchers:,} vouchers, "
        f"{payments:,} payments, {ROUTERS} routers with 24 h of rollups, 10,000 jobs"
    )


def _figures_timed() -> None:
    """What each figure costs in the big account (median of 5), to see where the page's time
    goes."""
    import statistics
    import time

    from django.utils import timezone

    from accounting.selectors import online_now
    from tenants import dashboard
    from vouchers.counters import voucher_counts

    parts = {
        "online": online_now,
        "money": lambda: dashboard.money(timezone.localdate()),
        "routers": dashboard.routers_now,
        "radius": dashboard.radius_now,
        "failed jobs": dashboard.failed_jobs,
        "charts (24 h rollups)": dashboard.traffic_24h,
        "vouchers": voucher_counts,
        "whole dashboard": dashboard.tenant_dashboard,
    }
    shown = []
    for name, read in parts.items():
        times = []
        for _ in range(5):
            start = time.perf_counter()
            read()
            times.append(time.perf_counter() - start)
        shown.append(f"{name} {statistics.median(times) * 1000:.1f} ms")
    print("  figures: " + ", ".join(shown))


if __name__ == "__main__":
    compare(fill=fill, paths=PATHS, small=SMALL, big=SESSIONS_ROWS, rounds=ROUNDS)
