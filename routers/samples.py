"""The routers' time series: raw samples rolled up into 5-minute and hourly averages, each
resolution dropped after its retention, and the three windows the router page charts.

Rollups recompute their recent buckets (INSERT ... ON CONFLICT DO UPDATE), so a run that
repeats or comes late changes nothing; only complete buckets are written.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from radtik.jobs.context import JobContext
from routers.choices import SampleResolution
from routers.models import Router, RouterSample

# (source, target, how far back complete buckets are recomputed)
ROLLUPS = (
    (SampleResolution.RAW, SampleResolution.FIVE_MINUTES, timedelta(hours=1)),
    (SampleResolution.FIVE_MINUTES, SampleResolution.HOUR, timedelta(hours=3)),
)
# What each chart window shows: (resolution, span)
WINDOWS = {
    "hour": (SampleResolution.RAW, timedelta(hours=1)),
    "day": (SampleResolution.FIVE_MINUTES, timedelta(days=1)),
    "week": (SampleResolution.HOUR, timedelta(days=7)),
}
SERIES = ("cpu_load", "memory_pct", "hotspot_active", "ppp_active", "rx_bps", "tx_bps")
_ROLLUP_SQL = """
INSERT INTO routers_routersample
    (router_id, resolution, at, cpu_load, memory_pct, hotspot_active, ppp_active, rx_bps, tx_bps)
SELECT router_id, %(target)s, date_bin(%(width)s, at, TIMESTAMPTZ '2000-01-01') AS bucket,
       round(avg(cpu_load)), round(avg(memory_pct)), max(hotspot_active), max(ppp_active),
       round(avg(rx_bps)), round(avg(tx_bps))
FROM routers_routersample
WHERE resolution = %(source)s AND at >= %(start)s AND at < %(end)s
GROUP BY router_id, bucket
ON CONFLICT (router_id, resolution, at) DO UPDATE SET
    cpu_load = EXCLUDED.cpu_load, memory_pct = EXCLUDED.memory_pct,
    hotspot_active = EXCLUDED.hotspot_active, ppp_active = EXCLUDED.ppp_active,
    rx_bps = EXCLUDED.rx_bps, tx_bps = EXCLUDED.tx_bps
"""


def retention() -> dict[int, timedelta]:
    """How long each resolution is kept in the current schema (hourly: the tenant's setting)."""
    from tenants.models import Tenant

    days = Tenant.objects.values_list("router_history_days", flat=True).get(
        schema_name=connection.schema_name
    )
    return {
        SampleResolution.RAW: timedelta(hours=settings.ROUTER_SAMPLES_RAW_HOURS),
        SampleResolution.FIVE_MINUTES: timedelta(days=settings.ROUTER_SAMPLES_5MIN_DAYS),
        SampleResolution.HOUR: timedelta(days=days),
    }


def _bucket_start(at: datetime, width: int) -> datetime:
    epoch = int(at.timestamp())
    return datetime.fromtimestamp(epoch - epoch % width, at.tzinfo)


def samples_roll_up(*, now: datetime | None = None) -> dict[str, int]:
    """In the current schema: write the complete buckets of the recent past, then drop what is
    older than each resolution's retention. Returns rows written and removed."""
    now = now or timezone.now()
    written = 0
    with connection.cursor() as cursor:
        for source, target, lookback in ROLLUPS:
            end = _bucket_start(now, target)
            start = _bucket_start(now - lookback, target)
            params = {
                "source": source,
                "target": target,
                "width": timedelta(seconds=target),
                "start": start,
                "end": end,
            }
            cursor.execute(_ROLLUP_SQL, params)
            written += cursor.rowcount
    removed = 0
    for resolution, keep in retention().items():
        old = RouterSample.objects.filter(resolution=resolution, at__lt=now - keep)
        removed += old.delete()[0]  # one DELETE: nothing refers to samples
    return {"written": written, "removed": removed}


def samples_roll_up_run(ctx: JobContext) -> dict[str, Any]:
    return samples_roll_up()


def router_samples(
    router: Router, *, windows: tuple[str, ...] = tuple(WINDOWS), now: datetime | None = None
) -> dict[str, dict[str, list]]:
    """Chart windows of a router as columns: {"hour": {"t": [epoch s], "cpu_load": [...]}}."""
    now = now or timezone.now()
    found = {}
    for name in windows:
        resolution, span = WINDOWS[name]
        rows = RouterSample.objects.filter(
            router=router, resolution=resolution, at__gte=now - span
        ).values_list("at", *SERIES)
        columns: dict[str, list] = {"t": [], **{series: [] for series in SERIES}}
        for at, *values in rows.order_by("at"):
            columns["t"].append(int(at.timestamp()))
            for series, value in zip(SERIES, values, strict=True):
                columns[series].append(value)
        found[name] = columns
    return found
