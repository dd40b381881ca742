"""Voucher batch generation through the service vs a raw PostgreSQL COPY of the same rows, in
one run: 100,000 vouchers (BENCH_VOUCHERS, BENCH_ROUNDS runs) and a 1,000,000-voucher batch
(BENCH_BIG, one run; 0 skips it).

Goals: 100,000 in <= 2 s and <= 3x COPY; 1,000,000 in <= 12 s, <= 1.3x COPY and a peak RSS of
the process <= 500 MB (the batch is generated in parts, never held whole).
Each measurement starts from an empty vouchers table, so both sides write the same indexes. Uses
a scratch database (DATABASE_URL's server) with one tenant, dropped afterwards.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import scratch  # noqa: E402  (first: it points Django at the scratch database)

COUNT = int(os.environ.get("BENCH_VOUCHERS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
BIG = int(os.environ.get("BENCH_BIG", "1000000"))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def empty_vouchers() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE vouchers_voucher CASCADE")


def ours(profile, server, count: int, prefix: str) -> float:
    from vouchers import services

    empty_vouchers()
    start = time.perf_counter()
    services.batch_create(profile=profile, radius_server=server, count=count, prefix=prefix)
    return time.perf_counter() - start


def raw_copy(batch_id: int, count: int, prefix: str) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from vouchers.codes import random_codes

    empty_vouchers()
    names = sorted({f"{prefix}{c}" for c in random_codes(count, 10)})  # in order, as ours are
    now = timezone.now().isoformat()
    start = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(
            "COPY vouchers_voucher (batch_id, username, password, status, "
            "radius_sync_status, radius_sync_error, sync_attempts, created_at) FROM STDIN"
        ) as copy,
    ):
        copy.write("".join(f"{batch_id}\t{n}\t{n}\tunused\tpending\t\t0\t{now}\n" for n in names))
    return time.perf_counter() - start


def main() -> None:
    try:
        scratch.create()
        from django_tenants.utils import schema_context

        from radius.services import radius_server_create
        from vouchers import services

        scratch.add_tenant()
        with schema_context("bench"):
            server = radius_server_create(name="r", host="h", api_base_url="http://127.0.0.1:9")
            profile = services.profile_create(name="1h", time_limit=3600)
            timed, baseline = [], []
            for round_ in range(ROUNDS):
                timed.append(ours(profile, server.server, COUNT, f"B{round_}"))
                baseline.append(raw_copy(profile.batches.first().pk, COUNT, f"R{round_}"))
            med = statistics.median
            print(
                f"voucher generation, {COUNT:,} per batch ({ROUNDS} runs): median "
                f"{med(timed):.2f} s (goal <= 2 s)"
            )
            print(
                f"  baseline raw COPY of {COUNT:,} prepared rows: median {med(baseline):.2f} s; "
                f"ratio {med(timed) / med(baseline):.2f}x (goal <= 3x)"
            )
            if BIG:
                before = peak_rss_mb()
                big = ours(profile, server.server, BIG, "G")
                peak = peak_rss_mb()
                big_raw = raw_copy(profile.batches.first().pk, BIG, "S")
                print(
                    f"voucher generation, one batch of {BIG:,}: {big:.2f} s (goal <= 12 s), "
                    f"peak RSS {peak:.0f} MB, {before:.0f} MB before it (goal <= 500 MB)"
                )
                print(
                    f"  baseline raw COPY of {BIG:,} prepared rows: {big_raw:.2f} s; "
                    f"ratio {big / big_raw:.2f}x (goal <= 1.3x)"
                )
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
