"""100,000-voucher batch generation vs a raw PostgreSQL COPY of the same rows, in one run.

Goal: generation (codes + uniqueness check + COPY, through the service) <= 2 s and <= 3x COPY.
Uses a scratch database (DATABASE_URL's server) with one tenant, dropped afterwards.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import scratch  # noqa: E402  (first: it points Django at the scratch database)

COUNT = int(os.environ.get("BENCH_VOUCHERS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def main() -> None:
    try:
        scratch.create()
        from django.db import connection, transaction
        from django.utils import timezone
        from django_tenants.utils import schema_context

        from radius.services import radius_server_create
        from vouchers import services
        from vouchers.codes import random_codes

        scratch.add_tenant()
        ours, raw = [], []
        with schema_context("bench"):
            server = radius_server_create(name="r", host="h", api_base_url="http://127.0.0.1:9")
            profile = services.profile_create(name="1h", time_limit=3600)
            for round_ in range(ROUNDS):
                start = time.perf_counter()
                services.batch_create(
                    profile=profile,
                    radius_server=server.server,
                    count=COUNT,
                    prefix=f"B{round_}",
                )
                ours.append(time.perf_counter() - start)

                batch_id = profile.batches.first().pk
                names = list({f"R{round_}{c}" for c in random_codes(COUNT, 10)})
                now = timezone.now()
                start = time.perf_counter()
                with (
                    transaction.atomic(),
                    connection.cursor() as cursor,
                    cursor.copy(
                        "COPY vouchers_voucher (batch_id, username, password, status, "
                        "radius_sync_status, radius_sync_error, sync_attempts, created_at) "
                        "FROM STDIN"
                    ) as copy,
                ):
                    copy.write(
                        "".join(
                            f"{batch_id}\t{n}\t{n}\tunused\tpending\t\t0\t{now.isoformat()}\n"
                            for n in names
                        )
                    )
                raw.append(time.perf_counter() - start)
        med = statistics.median
        print(
            f"voucher generation, {COUNT:,} per batch ({ROUNDS} runs): median {med(ours):.2f} s "
            f"(goal <= 2 s)"
        )
        print(
            f"  baseline raw COPY of {COUNT:,} prepared rows: median {med(raw):.2f} s; "
            f"ratio {med(ours) / med(raw):.2f}x (goal <= 3x)"
        )
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
