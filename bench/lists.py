"""The jobs and payments lists with 1,000,000 rows, beside the same lists with 1,000: the API's
first page (with its count) and the HTML page, through Django as a client gets them.

Goal: <= 100 ms each with 1,000,000 rows. Two tenants in one scratch database (dropped after),
filled with generate_series; rounds alternate so machine noise hits both sizes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.support_pages import compare, indexes_built_after  # noqa: E402

BIG = int(os.environ.get("BENCH_ROWS", "1000000"))
SMALL = 1000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
PATHS = ("/api/jobs/", "/jobs/", "/api/payments/", "/billing/payments/")

JOBS = """
INSERT INTO "{schema}".jobs_job (kind, target_type, target_id, target_repr, params, status, stage,
    progress, message, attempts, max_attempts, error, created_at, finished_at, delivered_attempt)
SELECT 'vouchers.sync', 'vouchers.voucherbatch', (n %% 500)::text, 'batch ' || (n %% 500), '{{}}',
    (ARRAY['succeeded','failed','succeeded','cancelled'])[1 + n %% 4], 'done', 100, 'ok', 1, 3, '',
    now() - make_interval(secs => n), now() - make_interval(secs => n) + interval '2 s', 1
FROM generate_series(1, %s) n
"""
PAYMENTS = """
INSERT INTO "{schema}".billing_payment (token, package_id, phone, amount, mac_address, login_url,
    status, status_reason, merchant_request_id, checkout_request_id, receipt, result_desc,
    resolved_via, raw_request, raw_response, created_at)
SELECT md5(n::text || '{schema}'), %s, '2547' || lpad((n %% 100000000)::text, 8, '0'), 50, '', '',
    (ARRAY['completed','failed','pending','completed'])[1 + n %% 4], '', 'm' || n, 'ws_CO_' || n,
    CASE WHEN n %% 4 IN (0, 3) THEN 'R' || n END, '', '', '{{}}', '{{}}',
    now() - make_interval(secs => n)
FROM generate_series(1, %s) n
"""


def fill(schema: str, rows: int) -> str:
    from django.db import connection
    from django_tenants.utils import schema_context

    from billing.models import Package

    with schema_context(schema):
        package = Package.objects.create(name="1 hour", price=50, validity_seconds=3600)
        with (
            connection.cursor() as cursor,
            indexes_built_after(cursor, schema, ("jobs_job", "billing_payment")),
        ):
            cursor.execute(JOBS.format(schema=schema), [rows])
            cursor.execute(PAYMENTS.format(schema=schema), [package.pk, rows])
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{schema}".jobs_job, "{schema}".billing_payment')
    return f"{rows:,} jobs and {rows:,} payments"


if __name__ == "__main__":
    compare(fill=fill, paths=PATHS, small=SMALL, big=BIG, rounds=ROUNDS)
