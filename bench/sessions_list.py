"""The online-users page with 1,000,000 session rows, beside the same pages with 1,000: the HTML
page (/sessions/online/) and its API (/api/sessions/?open=true with its count, and the counts
of /api/sessions/online/), and the history's first page (/sessions/, /api/sessions/).

Goal: <= 100 ms each with 1,000,000 rows. One session in 200 is open (5,000 online among
1,000,000; 5 among 1,000), on 50 routers, hotspot sessions linked to vouchers. Two tenants in
one scratch database (dropped after), filled with generate_series; rounds alternate so machine
noise hits both sizes (bench/lists.py's method).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.pages import compare  # noqa: E402

BIG = int(os.environ.get("BENCH_ROWS", "1000000"))
SMALL = 1000
OPEN_EVERY = 200
ROUTERS = 50
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
PATHS = (
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


def server_and_routers(count: int) -> tuple[Any, list[Any]]:
    """A RADIUS server and `count` routers in the current schema (bench/dashboard.py too)."""
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
    from django.db import connection
    from django_tenants.utils import schema_context

    from vouchers.models import Voucher, VoucherBatch, VoucherProfile

    with schema_context(schema):
        server, routers = server_and_routers(ROUTERS)
        profile = VoucherProfile.objects.create(name="1 hour", time_limit=3600)
        batch = VoucherBatch.objects.create(profile=profile, radius_server=server, count=1000)
        vouchers = Voucher.objects.bulk_create(
            Voucher(batch=batch, username=f"V{n}", password="x") for n in range(1000)
        )
        params = {
            "server": server.pk,
            "router": min(r.pk for r in routers),
            "voucher": min(v.pk for v in vouchers),
            "open": rows // OPEN_EVERY,
            "rows": rows,
        }
        with connection.cursor() as cursor:
            cursor.execute(SESSIONS.format(schema=schema, routers=ROUTERS), params)
            # What autovacuum leaves after a load: statistics and the visibility map (closed
            # sessions never change again, so counts read the index alone).
            cursor.execute(f'VACUUM ANALYZE "{schema}".accounting_session')
    return f"{rows:,} sessions ({rows // OPEN_EVERY:,} open)"


if __name__ == "__main__":
    compare(fill=fill, paths=PATHS, small=SMALL, big=BIG, rounds=ROUNDS)
