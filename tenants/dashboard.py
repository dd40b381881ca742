"""The tenant dashboard (the account's home): what an operator looks at all day.

Every figure is read from a counter or a bounded index range, never by scanning a big table:
money from billing's PaymentDay rows, vouchers from their status counters, online users from
the open sessions' partial index, routers from their health rows, failures from the last day's
finished jobs. Times and days are the account's time zone, amounts its currency.

Live: the listeners below hear the events that change a figure and ask for one re-render of the
figures (publish_coalesced: at most one DashboardChanged per second per account, however big the
burst); the page's websocket gets the fragment, rendered once per process (tenants.fragments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from radtik.events import DomainEvent, listen, publish_coalesced
from radtik.tenancy import current_tenant_id

DASHBOARD_TOPIC = "dashboard"
DASHBOARD_CHANGED = "DashboardChanged"
INCOME_DAYS = 30  # the income chart
FAILED_JOBS_WINDOW = timedelta(hours=24)  # "jobs failing": failed in the last day
ATTENTION_ROWS = 5  # per kind in the attention list
TOP_PACKAGES = 5

# What changes a figure: (topic, events). Payments, sessions, router health, vouchers, jobs,
# callbacks set aside, RADIUS servers.
HEARD = {
    "payments": (
        "payment.initiated",
        "payment.completed",
        "payment.failed",
        "payment.flagged",
        "payment.access_failed",
    ),
    "sessions": ("SessionsChanged",),
    "routers": ("RouterHealthChanged", "RouterDown", "RouterUp", "RouterStatusUpdated"),
    "vouchers": ("VouchersActivated", "VoucherUsedUp", "VoucherExpired", "batch.created"),
    "jobs": ("job.failed", "job.succeeded", "job.cancelled"),
    "callbacks": ("callback.quarantined",),
    "radius": ("RadiusServerCreated",),
}


def dashboard_changed(tenant_id: int | None = None) -> None:
    """A figure of the account changed (after commit): re-render its dashboard, and the
    platform's (its online users, routers, payments and failures are totals over accounts),
    once per window each. For counters that change without an event of their own."""
    publish_coalesced(tenant_id or current_tenant_id(), DASHBOARD_TOPIC, DASHBOARD_CHANGED)
    publish_coalesced(None, DASHBOARD_TOPIC, DASHBOARD_CHANGED)


def _changed(events: list[DomainEvent]) -> None:
    """A batch of events (a burst of payments settled together) asks once per account."""
    for tenant_id in dict.fromkeys(event.tenant_id for event in events):
        dashboard_changed(tenant_id)


for _topic, _events in HEARD.items():
    listen(_topic, *_events, many=True)(_changed)


# ------------------------------------------------------------------------------------ figures
@dataclass
class Money:
    today: Decimal = Decimal(0)
    week: Decimal = Decimal(0)
    month: Decimal = Decimal(0)
    completed_today: int = 0
    pending_today: int = 0
    failed_today: int = 0
    success_rate: int | None = None  # percent of today's settled payments that completed
    top_packages: list[dict[str, Any]] = field(default_factory=list)
    per_day: list[tuple[date, Decimal]] = field(default_factory=list)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def money(today: date) -> Money:
    """From PaymentDay: one package x day row each, at most packages x 31 rows."""
    from billing.choices import PaymentStatus
    from billing.models import Package, Payment, PaymentDay

    week_start = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    since = min(month_start, week_start, today - timedelta(days=INCOME_DAYS - 1))
    rows = list(
        PaymentDay.objects.filter(day__gte=since).values_list(
            "day", "package_id", "completed", "failed", "flagged", "income"
        )
    )
    result = Money()
    by_day: dict[date, Decimal] = {}
    by_package: dict[int, Decimal] = {}
    for day, package, completed, failed, flagged, income in rows:
        by_day[day] = by_day.get(day, Decimal(0)) + income
        if day >= month_start:
            result.month += income
            by_package[package] = by_package.get(package, Decimal(0)) + income
        if day >= week_start:
            result.week += income
        if day == today:
            result.today += income
            result.completed_today += completed
            result.failed_today += failed + flagged
    settled = result.completed_today + result.failed_today
    if settled:
        result.success_rate = round(100 * result.completed_today / settled)
    # Still pending: today's pending payments, through the (status, created_at) index.
    result.pending_today = Payment.objects.filter(
        status=PaymentStatus.PENDING, created_at__gte=_local_midnight(today)
    ).count()
    top = sorted(by_package.items(), key=lambda item: -item[1])[:TOP_PACKAGES]
    names = dict(Package.objects.filter(pk__in=[p for p, _ in top]).values_list("pk", "name"))
    result.top_packages = [
        {"name": names.get(pk, f"#{pk}"), "income": income} for pk, income in top if income
    ]
    result.per_day = [
        (day, by_day.get(day, Decimal(0)))
        for day in (today - timedelta(days=n) for n in range(INCOME_DAYS - 1, -1, -1))
    ]
    return result


def routers_now() -> dict[str, Any]:
    """Deployed routers by health state, and the ones down (the attention list's links)."""
    from routers.choices import DOWN, HealthState
    from routers.models import RouterHealth

    counts = dict(
        RouterHealth.objects.values("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    down = list(
        RouterHealth.objects.filter(state__in=DOWN)
        .select_related("router")
        .order_by("down_since", "router_id")[:ATTENTION_ROWS]
    )
    return {
        "online": counts.get(HealthState.ONLINE, 0),
        "degraded": counts.get(HealthState.DEGRADED, 0),
        "offline": sum(counts.get(state, 0) for state in DOWN),
        "unknown": counts.get(HealthState.UNKNOWN, 0),
        "down": down,
    }


def radius_now() -> dict[str, int]:
    """Active RADIUS servers whose agent answered accounting's last read (it reads each one
    every interval: a failing read leaves its error on the cursor)."""
    from radius.models import RadiusServer

    counts = RadiusServer.objects.filter(active=True).aggregate(
        active=Count("pk"),
        failing=Count("pk", filter=Q(accounting_cursor__last_error__gt="")),
    )
    return {"active": counts["active"], "reachable": counts["active"] - counts["failing"]}


def failed_jobs() -> tuple[int, list[Any]]:
    """Jobs failed in the last day (the finished jobs' index bounds the read)."""
    from radtik.jobs.choices import JobStatus
    from radtik.jobs.models import Job

    recent = Job.objects.filter(
        finished_at__gte=timezone.now() - FAILED_JOBS_WINDOW, status=JobStatus.FAILED
    )
    return recent.count(), list(recent.order_by("-finished_at")[:ATTENTION_ROWS])


def traffic_24h() -> dict[str, list]:
    """The routers' 5-minute rollups of the last day summed per bucket: online users (as the
    routers count them) and traffic, for the charts. Epoch seconds, as uPlot wants."""
    from routers.choices import SampleResolution

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT extract(epoch FROM at)::bigint, sum(hotspot_active), sum(ppp_active),"
            " sum(rx_bps), sum(tx_bps) FROM routers_routersample"
            " WHERE resolution = %s AND at >= now() - interval '24 hours'"
            " GROUP BY at ORDER BY at",
            [SampleResolution.FIVE_MINUTES],
        )
        rows = cursor.fetchall()
    keys = ("t", "hotspot", "pppoe", "rx_bps", "tx_bps")
    return {key: [row[i] for row in rows] for i, key in enumerate(keys)}


def tenant_dashboard() -> dict[str, Any]:
    """Everything the dashboard shows, for its page and its live fragment."""
    from accounting.selectors import online_now
    from billing.selectors import callbacks_needing_attention
    from vouchers.counters import voucher_counts, vouchers_sold

    today = timezone.localdate()
    cash = money(today)
    routers = routers_now()
    failed_count, failed = failed_jobs()
    vouchers = voucher_counts()
    quarantined = callbacks_needing_attention().count()
    attention = [
        {
            "text": f"Job #{job.pk} {job.kind} failed: {job.error[:120]}",
            "url": reverse("job-page", args=[job.pk]),
        }
        for job in failed
    ]
    if failed_count > len(failed):
        attention.append(
            {
                "text": f"{failed_count} jobs failed in the last day",
                "url": reverse("job-list") + "?status=failed",
            }
        )
    if quarantined:
        attention.append(
            {
                "text": f"{quarantined} M-Pesa callbacks need attention",
                "url": reverse("billing-callbacks") + "?outcome=quarantine",
            }
        )
    for health in routers["down"]:
        attention.append(
            {
                "text": f"Router {health.router.name} is {health.get_state_display().lower()}"
                + (f": {health.reason}" if health.reason else ""),
                "url": reverse("router-detail", args=[health.router_id]),
            }
        )
    if vouchers["sync_failed"]:
        attention.append(
            {
                "text": f"{vouchers['sync_failed']} vouchers failed to sync to RADIUS",
                "url": reverse("voucher-batches"),
            }
        )
    return {
        "online": online_now(),
        "routers": routers,
        "radius": radius_now(),
        "failed_jobs": failed_count,
        "money": cash,
        "vouchers": vouchers,
        "sold_today": vouchers_sold(today),
        "attention": attention,
        "charts": {
            "traffic": traffic_24h(),
            "income": {
                "t": [int(_local_midnight(day).timestamp()) for day, _ in cash.per_day],
                "income": [float(amount) for _, amount in cash.per_day],
            },
        },
    }
