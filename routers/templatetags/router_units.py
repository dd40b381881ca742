"""Units operators read: traffic in bits per second, uptime in days and hours."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def bps(value: int | None) -> str:
    """1234567 -> '1.2 Mbps'; None -> '—' (no rate before the second reading)."""
    if value is None:
        return "—"
    for unit, size in (("Gbps", 10**9), ("Mbps", 10**6), ("kbps", 10**3)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value} bps"


@register.filter
def uptime(seconds: int | None) -> str:
    """273906 -> '3d 4h 5m'."""
    if seconds is None:
        return "—"
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    parts = [f"{days}d"] if days else []
    return " ".join([*parts, f"{hours}h", f"{rest // 60}m"])
