"""Health data without the cluster: rates from counters, drift words, the series' rollups and
retention, the router page and the API that show them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django_tenants.utils import schema_context

from radtik.realtime.fragments import Event
from routers.choices import SampleResolution
from routers.events import health_payload
from routers.fragments import live_fragment
from routers.health import interface_rates, total_rates
from routers.managed import ManagedItem, drift
from routers.models import Router, RouterHealth, RouterSample
from routers.routeros.types import InterfaceCounters
from routers.samples import router_samples, samples_roll_up
from routers.services import router_managed_record


def counters(rx: int, tx: int, name: str = "ether1") -> list[InterfaceCounters]:
    return [InterfaceCounters(name, "ether", True, False, rx, tx)]


def test_rates_are_bits_per_second_over_the_interval_and_survive_a_counter_wrap():
    _, first = interface_rates({}, counters(1_000, 2_000), uptime=100, at=1000.0)
    rates, second = interface_rates(first, counters(126_000, 2_000), uptime=130, at=1030.0)
    assert (rates[0]["rx_bps"], rates[0]["tx_bps"]) == (125_000 * 8 // 30, 0)
    near = 2**32 - 1_000
    _, before = interface_rates({}, counters(near, near), uptime=100, at=0.0)
    rates, _ = interface_rates(before, counters(29_000, 29_000), uptime=130, at=30.0)
    assert rates[0]["rx_bps"] == 30_000 * 8 // 30  # wrapped at 2**32: 1,000 + 29,000 bytes
    near64 = 2**64 - 10
    _, before = interface_rates({}, counters(near64, near64), uptime=100, at=0.0)
    rates, _ = interface_rates(before, counters(20, 20), uptime=101, at=1.0)
    assert rates[0]["rx_bps"] == 30 * 8


def test_a_restarted_router_gives_no_rate_until_its_next_reading():
    _, before = interface_rates({}, counters(10**9, 10**9), uptime=5000, at=0.0)
    rates, after = interface_rates(before, counters(5_000, 5_000), uptime=20, at=30.0)
    assert rates[0]["rx_bps"] is None and total_rates(rates) == (None, None)
    rates, _ = interface_rates(after, counters(8_000, 5_000), uptime=50, at=60.0)
    assert total_rates(rates) == (800, 0)


def test_the_live_interfaces_come_in_natural_order():
    read = [
        InterfaceCounters(name, "ether", True, False, 0, 0)
        for name in ("ether10", "bridge1", "ether2", "Ether1", "ether1.20")
    ]
    rates, _ = interface_rates({}, read, uptime=1, at=0.0)
    assert [r["name"] for r in rates] == ["bridge1", "Ether1", "ether1.20", "ether2", "ether10"]


def test_drift_names_what_is_missing_or_changed_and_lists_compare_as_sets():
    pool = ManagedItem("/ip/pool", {"name": "p"}, {"name": "p", "ranges": "10.0.0.2-10.0.0.9"})
    profile = ManagedItem(
        "/ip/hotspot/profile", {"name": "h"}, {"name": "h", "login-by": "http-chap,cookie"}
    )
    radius = ManagedItem(
        "/radius", {"address": "192.0.2.1"}, {"address": "192.0.2.1", "secret": "s"}, ("secret",)
    )
    specs = [pool.spec(), profile.spec(), radius.spec()]
    assert "secret" not in str(specs)  # never stored, never read back
    as_printed = [
        {"name": "p", "ranges": "10.0.0.2-10.0.0.9"},
        {"name": "h", "login-by": "cookie,http-chap"},  # RouterOS's own order
        {"address": "192.0.2.1", "secret": "changed-by-hand"},
    ]
    assert drift(specs, as_printed) == []
    assert drift(specs, [None, as_printed[1], {"address": "192.0.2.1"}]) == [
        "/ip/pool name=p is missing"
    ]
    changed = [{"name": "p", "ranges": "10.9.0.2-10.9.0.9"}, *as_printed[1:]]
    assert drift(specs, changed) == [
        "/ip/pool name=p: ranges is '10.9.0.2-10.9.0.9' (deployed '10.0.0.2-10.0.0.9')"
    ]


@pytest.fixture
def router(tenants, db):
    with schema_context("alpha"):
        router = Router.objects.create(
            name="edge-9", host="10.0.0.9", api_username="api-edge-9", api_password="x"
        )
        router_managed_record(router=router, items=[])
        yield router


def sample(router, at, cpu, rx, resolution=SampleResolution.RAW):
    return RouterSample(
        router=router, resolution=resolution, at=at, cpu_load=cpu, memory_pct=50, rx_bps=rx
    )


def test_rollups_average_complete_buckets_once_and_retention_drops_old_rows(router):
    now = datetime(2026, 1, 1, 12, 7, 30, tzinfo=UTC)
    RouterSample.objects.bulk_create(
        [
            sample(router, datetime(2026, 1, 1, 12, 0, s, tzinfo=UTC), cpu, rx)
            for s, cpu, rx in ((0, 10, 1000), (30, 30, 3000))
        ]
        + [sample(router, datetime(2026, 1, 1, 12, 5, 0, tzinfo=UTC), 90, 9000)]  # incomplete
        + [sample(router, now - timedelta(days=3), 5, 5)]  # past the raw retention
    )
    for _ in range(2):  # a second run changes nothing
        samples_roll_up(now=now)
    five = RouterSample.objects.filter(router=router, resolution=SampleResolution.FIVE_MINUTES)
    assert list(five.values_list("at", "cpu_load", "rx_bps")) == [
        (datetime(2026, 1, 1, 12, 0, tzinfo=UTC), 20, 2000)
    ]
    raw = RouterSample.objects.filter(router=router, resolution=SampleResolution.RAW)
    assert raw.count() == 3  # the old one went
    later = now + timedelta(hours=1)
    samples_roll_up(now=later)
    hour = RouterSample.objects.filter(router=router, resolution=SampleResolution.HOUR)
    assert list(hour.values_list("at", "cpu_load")) == [
        (datetime(2026, 1, 1, 12, 0, tzinfo=UTC), 55)
    ]
    windows = router_samples(router, now=later)
    assert windows["week"]["cpu_load"] == [55] and windows["day"]["cpu_load"] == [20, 90]


def test_the_router_page_shows_health_live_figures_and_chart_data(router, make_user, tenant_client):
    RouterHealth.objects.filter(router=router).update(
        state="degraded", reason="Configuration drift: /ip/pool name=p is missing", cpu_load=42
    )
    RouterSample.objects.create(
        router=router, resolution=0, at=datetime.now(UTC), cpu_load=42, rx_bps=8000
    )
    client = tenant_client("alpha", make_user("alpha", "looker", role="admin"))
    page = client.get(f"/routers/{router.pk}/").content.decode()
    assert "Configuration drift: /ip/pool name=p is missing" in page
    assert f'id="router-{router.pk}-cpu">42%' in page
    assert 'id="router-samples"' in page and "/static/vendor/uplot/uPlot.iife.min.js" in page
    assert "Redeploy (repair drift)" in page
    listing = client.get("/routers/").content.decode()
    assert "Degraded" in listing and f'id="router-{router.pk}-cpu">42%' in listing
    api = client.get(f"/api/routers/{router.pk}/samples/?window=hour").json()
    assert api["cpu_load"] == [42] and api["rx_bps"] == [8000]
    assert client.get(f"/api/routers/{router.pk}/samples/?window=year").status_code == 400
    assert client.get(f"/api/routers/{router.pk}/").json()["health"]["state"] == "degraded"


def test_the_live_fragment_feeds_the_chart_and_the_figures(router):
    health = RouterHealth.objects.get(router=router)
    health.cpu_load, health.free_memory, health.total_memory = 12, 750, 1000
    health.rx_bps, health.checked_at = 2_500_000, datetime(2026, 1, 1, tzinfo=UTC)
    payload = health_payload(router, health)
    page = Event(topic=f"router.{router.pk}", event="RouterLiveData", payload=payload)
    html = live_fragment(page)
    assert f'id="router-{router.pk}-cpu">12%' in html and "2.5 Mbps" in html
    assert "&quot;memory_pct&quot;: 25" in html and "&quot;t&quot;: 1767225600" in html
    compact = live_fragment(Event(topic="routers", event="RouterLiveData", payload=payload))
    assert "-sample" not in compact and f'id="router-{router.pk}-cpu"' in compact


def test_hourly_history_is_kept_as_long_as_the_account_says(router):
    from tenants.models import Tenant

    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    RouterSample.objects.bulk_create(
        [sample(router, now - timedelta(days=d), 40, 1, SampleResolution.HOUR) for d in (10, 30)]
    )
    samples_roll_up(now=now)  # the default keeps 90 days
    hour = RouterSample.objects.filter(router=router, resolution=SampleResolution.HOUR)
    assert hour.count() == 2
    Tenant.objects.filter(schema_name="alpha").update(router_history_days=14)
    samples_roll_up(now=now)
    assert list(hour.values_list("at", flat=True)) == [now - timedelta(days=10)]
