"""A check's live data: kept on the router's health row, added to its time series, pushed to the
router list and the router's page (RouterLiveData)."""

from __future__ import annotations

from datetime import UTC, datetime

from routers.choices import SampleResolution
from routers.events import health_publish
from routers.health import Live, interface_rates, total_rates
from routers.models import RouterHealth, RouterSample

# What each check updates on the router's health row (the API shows the same).
LIVE_FIELDS = (
    "cpu_load",
    "free_memory",
    "total_memory",
    "uptime",
    "hotspot_active",
    "ppp_active",
    "rx_bps",
    "tx_bps",
    "interfaces",
)


def live_record(health: RouterHealth, live: Live, *, at: float) -> RouterSample:
    """Update `health` (saved by the caller, in bulk) and return the raw sample to insert."""
    resource = live.resource
    rates, reading = interface_rates(
        health.counters, live.interfaces, uptime=resource.uptime_seconds, at=at
    )
    health.counters = reading
    health.interfaces = rates
    health.rx_bps, health.tx_bps = total_rates(rates)
    health.cpu_load = resource.cpu_load
    health.free_memory = resource.free_memory
    health.total_memory = resource.total_memory
    health.uptime = resource.uptime_seconds
    health.hotspot_active = live.hotspot_active
    health.ppp_active = live.ppp_active
    router = health.router  # saved with last_seen by the caller
    router.routeros_version, router.board = resource.version, resource.board_name
    health_publish(health.router, health, "RouterLiveData")
    return RouterSample(
        router_id=health.router_id,
        resolution=SampleResolution.RAW,
        at=datetime.fromtimestamp(at, UTC),
        cpu_load=resource.cpu_load,
        memory_pct=memory_pct(resource.free_memory, resource.total_memory),
        hotspot_active=live.hotspot_active,
        ppp_active=live.ppp_active,
        rx_bps=health.rx_bps,
        tx_bps=health.tx_bps,
    )


def memory_pct(free: int | None, total: int | None) -> int | None:
    if not free or not total:
        return None
    return round(100 * (total - free) / total)
