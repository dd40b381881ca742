"""The printable sheet of 1,000 vouchers, with QR codes, beside the same page without them.

Goal: <= 2 s for the whole page (request to last byte, through Django as a browser gets it).
Rounds alternate so machine noise hits both. Scratch database with one tenant, dropped after.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import scratch  # noqa: E402  (first: it points Django at the scratch database)

COUNT = int(os.environ.get("BENCH_VOUCHERS", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def main() -> None:
    try:
        scratch.create()
        from django.test import Client
        from django_tenants.utils import schema_context

        from radius.services import radius_server_create
        from tenants.accounts.models import User
        from vouchers import services

        scratch.add_tenant()
        with schema_context("bench"):
            server = radius_server_create(name="r", host="h", api_base_url="http://127.0.0.1:9")
            profile = services.profile_create(name="1 hour", time_limit=3600, price=10)
            batch = services.batch_create(
                profile=profile, radius_server=server.server, count=COUNT
            ).batch
            user = User.objects.create_user(username="bench", password="x", role="viewer")
            client = Client(HTTP_HOST="bench.localhost")
            client.force_login(user)
        path = f"/vouchers/batches/{batch.pk}/sheet/?layout=a4"
        timings: dict[str, list[float]] = {"qr": [], "bare": []}
        for _ in range(ROUNDS):
            for name, query in (("qr", "&qr=on"), ("bare", "")):
                start = time.perf_counter()
                response = client.get(path + query)
                body = b"".join(response) if response.streaming else response.content
                timings[name].append(time.perf_counter() - start)
                assert response.status_code == 200 and body.count(b'class="voucher"') == COUNT
        med = statistics.median
        qr, bare = med(timings["qr"]), med(timings["bare"])
        print(f"voucher sheet, {COUNT:,} vouchers with QR codes ({ROUNDS} runs): median {qr:.2f} s")
        print(f"  goal <= 2 s; best {min(timings['qr']):.2f} s, worst {max(timings['qr']):.2f} s")
        print(
            f"  baseline, the same page without QR codes: median {bare:.3f} s; "
            f"ratio {qr / bare:.1f}x"
        )
        print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
