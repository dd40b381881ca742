"""Prometheus scrapes /metrics: django-prometheus's request metrics of every daphne of the host,
and radtik's figures over every tenant."""

from __future__ import annotations

import time

import requests
from django_tenants.utils import schema_context
from prometheus_client.parser import text_string_to_metric_families

from tests.support import factories


def scrape(port: int, **headers: str) -> dict[tuple[str, tuple], float]:
    response = requests.get(f"http://127.0.0.1:{port}/metrics", headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def online_sessions(*, hotspot: int, pppoe: int, closed: int) -> None:
    """Accounting's sessions in the current schema: open ones per service, and closed ones."""
    from django.utils import timezone

    from accounting.models import Session

    server, now = factories.radius_server(), timezone.now()
    rows = [("hotspot", True)] * hotspot + [("pppoe", True)] * pppoe + [("hotspot", False)] * closed
    for n, (service, is_open) in enumerate(rows):
        Session.objects.create(
            radius_server=server, radacct_id=n, change=n, username=f"u{n}", session_id=f"s{n}",
            service=service, is_open=is_open, ingested_at=now,
            stopped_at=None if is_open else now,
        )  # fmt: skip


def wait_scrape(port: int, condition, timeout: float = 60) -> dict:
    """radtik's figures are cached for METRICS_CACHE_SECONDS: scrape until they show."""
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(port)
        if condition(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(1)


def test_metrics_scraped_cover_requests_jobs_queues_payments_routers_and_sync(
    live_db, clusters, daphne_server
):
    with schema_context("alpha"):
        for status in ("completed", "completed", "pending"):
            factories.payment(status=status)
        factories.router()
        factories.job(status="failed")
        factories.payment_callback(outcome="received")
        factories.voucher_batch(vouchers=3)
        online_sessions(hotspot=2, pppoe=1, closed=1)
    with schema_context("beta"):
        factories.payment(status="completed")
        factories.router()
        online_sessions(hotspot=1, pppoe=0, closed=2)
    requests.get(f"http://127.0.0.1:{daphne_server}/login/", headers={"Host": "alpha.localhost"})

    def ready(samples) -> bool:
        return samples.get(("radtik_payments_settled_total", ())) == 3

    samples = wait_scrape(daphne_server, ready)
    assert samples[("radtik_metrics_up", ())] == 1
    # Both tenants counted, without a tenant label.
    assert samples[("radtik_payments_settled_total", ())] == 3
    assert samples[("radtik_payments", (("status", "pending"),))] == 1
    assert samples[("radtik_routers", (("status", "config_pending"),))] == 2
    assert samples[("radtik_online_users", (("service", "hotspot"),))] == 3
    assert samples[("radtik_online_users", (("service", "pppoe"),))] == 1
    assert samples[("radtik_jobs", (("kind", "test.always_fails"), ("status", "failed")))] == 1
    assert samples[("radtik_callback_inbox_waiting", ())] == 1
    assert samples[("radtik_callback_inbox_lag_seconds", ())] >= 0
    for state in ("pending", "synced", "failed"):  # the factory's batch: one of each
        assert samples[("radtik_radius_sync", (("source", "voucher"), ("state", state)))] == 1
    assert ("radtik_radius_synced_recent", ()) in samples
    for cluster in ("default", "payments"):
        assert ("radtik_queue_depth", (("cluster", cluster),)) in samples
        assert ("radtik_queue_oldest_age_seconds", (("cluster", cluster),)) in samples
    assert not any("tenant" in dict(labels) for _, labels in samples)
    # django-prometheus: the request above, counted by the daphne that served it.
    served = [
        value
        for (name, labels), value in samples.items()
        if name == "django_http_responses_total_by_status_total" and ("status", "200") in labels
    ]
    assert served and sum(served) >= 1


def test_metrics_token_is_required_when_set(db, client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", HTTP_HOST="127.0.0.1").status_code == 401
    wrong = client.get("/metrics", HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401
    right = client.get("/metrics", HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert right.status_code == 200 and b"radtik_jobs" in right.content
