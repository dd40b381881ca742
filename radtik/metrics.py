"""/metrics for Prometheus: django-prometheus's request, response and process metrics, plus
radtik's own, read from the database at scrape time.

radtik's figures are totals over every active tenant (never a tenant label: a thousand tenants
would make Prometheus's series explode, and the endpoint must not list tenants), each one query
over a UNION of the schemas. They are the same on every web host, so the rendered text is kept in
the shared cache for METRICS_CACHE_SECONDS: scraping ten hosts costs the database one
computation. In Grafana take max() across instances, not sum().

Protected by METRICS_TOKEN (`Authorization: Bearer <token>`) when set; the nginx site also keeps
/metrics off the public side (Prometheus scrapes each host's daphne directly).
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator

import prometheus_client
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django_tenants.utils import get_public_schema_name
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

logger = logging.getLogger(__name__)

CACHE_KEY = "radtik:metrics:text"
SYNC_WINDOW_SECONDS = 300  # radtik_radius_synced_recent counts syncs over this window


def _schemas() -> list[str]:
    from tenants.selectors import tenant_schemas_active

    connection.set_schema_to_public()  # answered before the tenant middleware
    return tenant_schemas_active()


def schemas_union(select: str, schemas: list[str]) -> str:
    """`select` (with {schema}) over every schema, as one subquery."""
    return " UNION ALL ".join(select.format(schema=schema) for schema in schemas)


def sql_rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _cluster(key: str) -> str:
    return "default" if key == settings.Q_CLUSTER["name"] else key


def queues() -> dict[str, tuple[int, float, int]]:
    """Per cluster (every expected one): tasks due, the oldest due task's wait in seconds, and
    tasks waiting for their time. The broker's table holds only what is queued: it stays small."""
    from radtik.health import expected_clusters

    seen = {}
    for key, due, oldest, later in sql_rows(
        "SELECT key, count(*) FILTER (WHERE lock <= now()),"
        " coalesce(extract(epoch FROM now() - min(lock) FILTER (WHERE lock <= now())), 0),"
        " count(*) FILTER (WHERE lock > now())"
        " FROM public.django_q_ormq GROUP BY key"
    ):
        seen[_cluster(key)] = (due, float(oldest), later)
    return {
        name: seen.get(name, (0, 0.0, 0)) for name in sorted(set(expected_clusters()) | set(seen))
    }


class RadtikCollector:
    """The figures an operator watches: work waiting, work failing, money and routers."""

    def collect(self) -> Iterator[Metric]:
        schemas = _schemas()
        yield from self._queues()
        yield from self._jobs([get_public_schema_name(), *schemas])
        if not schemas:
            return
        yield from self._payments(schemas)
        yield from self._routers(schemas)
        yield from self._online(schemas)
        yield from self._radius_sync(schemas)

    def _queues(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "radtik_queue_depth", "Tasks due and not yet taken by a worker", labels=["cluster"]
        )
        age = GaugeMetricFamily(
            "radtik_queue_oldest_age_seconds",
            "How long the oldest due task has waited for a worker",
            labels=["cluster"],
        )
        delayed = GaugeMetricFamily(
            "radtik_queue_delayed",
            "Tasks waiting for their time (backoff, ticks)",
            labels=["cluster"],
        )
        for name, (due, oldest, later) in queues().items():
            depth.add_metric([name], due)
            age.add_metric([name], oldest)
            delayed.add_metric([name], later)
        yield from (depth, age, delayed)

    def _jobs(self, schemas: list[str]) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(
            "radtik_jobs", "Job rows by kind and status", labels=["kind", "status"]
        )
        sql = schemas_union('SELECT kind, status FROM "{schema}".jobs_job', schemas)
        for kind, status, count in sql_rows(
            f"SELECT kind, status, count(*) FROM ({sql}) j GROUP BY kind, status"
        ):
            jobs.add_metric([kind, status], count)
        yield jobs

    def _payments(self, schemas: list[str]) -> Iterator[Metric]:
        payments = GaugeMetricFamily("radtik_payments", "Payments by status", labels=["status"])
        settled = CounterMetricFamily(
            "radtik_payments_settled", "Payments completed (rows are never pruned)"
        )
        sql = schemas_union('SELECT status FROM "{schema}".billing_payment', schemas)
        total = 0
        for status, count in sql_rows(f"SELECT status, count(*) FROM ({sql}) p GROUP BY status"):
            payments.add_metric([status], count)
            total += count if status == "completed" else 0
        settled.add_metric([], total)
        waiting = GaugeMetricFamily(
            "radtik_callback_inbox_waiting", "Stored M-Pesa callbacks not yet matched"
        )
        lag = GaugeMetricFamily(
            "radtik_callback_inbox_lag_seconds", "Age of the oldest stored, unmatched callback"
        )
        sql = schemas_union(
            'SELECT received_at FROM "{schema}".billing_paymentcallback'
            " WHERE outcome = 'received'",
            schemas,
        )
        count, oldest = sql_rows(
            f"SELECT count(*), coalesce(extract(epoch FROM now() - min(received_at)), 0)"
            f" FROM ({sql}) c"
        )[0]
        waiting.add_metric([], count)
        lag.add_metric([], float(oldest))
        yield from (payments, settled, waiting, lag)

    def _routers(self, schemas: list[str]) -> Iterator[Metric]:
        routers = GaugeMetricFamily("radtik_routers", "Routers by status", labels=["status"])
        sql = schemas_union('SELECT status FROM "{schema}".routers_router', schemas)
        for status, count in sql_rows(f"SELECT status, count(*) FROM ({sql}) r GROUP BY status"):
            routers.add_metric([status], count)
        yield routers

    def _online(self, schemas: list[str]) -> Iterator[Metric]:
        online = GaugeMetricFamily(
            "radtik_online_users", "Open accounting sessions by service", labels=["service"]
        )
        # The open sessions' partial index (accounting's session_open) keeps this small.
        sql = schemas_union(
            'SELECT service FROM "{schema}".accounting_session WHERE is_open', schemas
        )
        for service, count in sql_rows(f"SELECT service, count(*) FROM ({sql}) s GROUP BY service"):
            online.add_metric([service or "unknown"], count)
        yield online

    def _radius_sync(self, schemas: list[str]) -> Iterator[Metric]:
        state = GaugeMetricFamily(
            "radtik_radius_sync", "RADIUS users by sync state", labels=["source", "state"]
        )
        vouchers = schemas_union(
            'SELECT radius_sync_status AS s FROM "{schema}".vouchers_voucher', schemas
        )
        subscriptions = schemas_union(
            'SELECT radius_state AS s FROM "{schema}".billing_subscription', schemas
        )
        for source, sql in (("voucher", vouchers), ("subscription", subscriptions)):
            for value, count in sql_rows(f"SELECT s, count(*) FROM ({sql}) v GROUP BY s"):
                state.add_metric([source, value], count)
        recent = GaugeMetricFamily(
            "radtik_radius_synced_recent",
            f"Vouchers synced to their agent in the last {SYNC_WINDOW_SECONDS} s "
            f"(divide by {SYNC_WINDOW_SECONDS} for a rate)",
        )
        sql = schemas_union(
            'SELECT 1 FROM "{schema}".vouchers_voucher WHERE radius_synced_at > '
            f"now() - interval '{SYNC_WINDOW_SECONDS} seconds'",
            schemas,
        )
        recent.add_metric([], sql_rows(f"SELECT count(*) FROM ({sql}) s")[0][0])
        yield from (state, recent)


def _radtik_text() -> bytes:
    text = cache.get(CACHE_KEY)
    if text is None:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(RadtikCollector())
        text = prometheus_client.generate_latest(registry)
        cache.set(CACHE_KEY, text, settings.METRICS_CACHE_SECONDS)
    return text


def _process_text() -> bytes:
    """django-prometheus's metrics: of every daphne on this host when radtik.webserver runs them
    (prometheus_client's multiprocess mode), else of this process."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return prometheus_client.generate_latest(registry)
    return prometheus_client.generate_latest(prometheus_client.REGISTRY)


def metrics_response(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if token and not hmac.compare_digest(given.encode(), token.encode()):
        return HttpResponse("Send the metrics token.\n", status=401, content_type="text/plain")
    try:
        own = _radtik_text()
    except Exception:
        logger.exception("radtik metrics could not be read")
        own = b"# TYPE radtik_metrics_up gauge\nradtik_metrics_up 0\n"
    else:
        own += b"# TYPE radtik_metrics_up gauge\nradtik_metrics_up 1\n"
    return HttpResponse(_process_text() + own, content_type=prometheus_client.CONTENT_TYPE_LATEST)
