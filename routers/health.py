"""The health check of one deployed router, and the traffic rates made of its counters.

No ORM here: the health sweep (routers.health_sweep) calls `health_check` from threads, many at
once. A check reaches the router, logs in, reads its live data and the items radtik deployed
there, and says what it found in the operator's words. It never changes the router.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from radtik.natural import natural_key
from routers.choices import HealthState
from routers.managed import drift
from routers.routeros.errors import RouterCommandError, RouterError, RouterLoginFailed
from routers.routeros.types import InterfaceCounters, Resource

# Interfaces whose traffic counts towards the router's total: ports, not the bridges and
# tunnels the same bytes also cross.
PORT_TYPES = ("ether", "wlan", "wifi", "sfp", "lte", "vlan")
MAX_BPS = 400 * 10**9  # faster than any MikroTik port


@dataclass(frozen=True)
class Target:
    """What a check needs, copied out of the database before the threads start."""

    router: Any  # routers.models.Router (only its connection fields are read)
    managed: list[dict[str, Any]]
    live: bool  # read live data too (ROUTER_HEALTH_LIVE_DATA)


@dataclass(frozen=True)
class Live:
    resource: Resource
    hotspot_active: int
    ppp_active: int
    interfaces: list[InterfaceCounters] = field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    state: str
    reason: str = ""
    live: Live | None = None

    @property
    def answered(self) -> bool:
        """The router spoke to us (last seen), whatever it said."""
        return self.state not in (HealthState.OFFLINE,)


def health_check(target: Target) -> Finding:
    """Reachable, login works, managed configuration present; the live data when asked."""
    from routers.connection import router_session

    router = target.router
    try:
        with router_session(router, timeout=settings.ROUTER_HEALTH_TIMEOUT) as api:
            live = _read_live(api) if target.live else None
            rows = [_read_item(api, spec) for spec in target.managed]
    except RouterLoginFailed:
        return Finding(
            HealthState.AUTH_FAILED,
            f"The router refuses radtik's API user '{router.api_username}' (invalid user name "
            "or password): the user was removed or its password changed. Rotate the token on "
            "this page and paste the new script into the router's terminal.",
        )
    except RouterCommandError as exc:
        return Finding(
            HealthState.DEGRADED,
            f"The router answers but refused a read ({exc.router_message}): check that "
            f"'{router.api_username}' is still in a group with read and api rights.",
        )
    except RouterError as exc:
        return Finding(HealthState.OFFLINE, f"Not answering: {exc}")
    problems = drift(target.managed, rows)
    if problems:
        return Finding(
            HealthState.DEGRADED,
            "Configuration drift: " + "; ".join(problems) + ". Redeploy to restore it.",
            live,
        )
    cpu = live.resource.cpu_load if live else None
    if cpu is not None and cpu >= settings.ROUTER_HEALTH_CPU_HIGH:
        return Finding(
            HealthState.DEGRADED,
            f"CPU at {cpu}% (alert at {settings.ROUTER_HEALTH_CPU_HIGH}%): the router may drop "
            "logins; check /tool profile for what is using it.",
            live,
        )
    return Finding(HealthState.ONLINE, "", live)


def _read_live(api: Any) -> Live:
    return Live(
        resource=api.resource(),
        hotspot_active=api.count("/ip/hotspot/active"),
        ppp_active=api.count("/ppp/active"),
        interfaces=api.interface_counters(),
    )


def _read_item(api: Any, spec: dict[str, Any]) -> dict[str, str] | None:
    fields = list(spec["values"])
    if not spec["key"]:  # a menu without items (/ppp/aaa)
        return api.get_singleton(spec["path"])
    rows = api.print(spec["path"], proplist=[*spec["key"], *fields], **spec["key"])
    return rows[0] if rows else None


def interface_rates(
    previous: dict[str, Any], interfaces: list[InterfaceCounters], *, uptime: int, at: float
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per-interface rx/tx in bits per second since the previous reading, and the reading to
    keep for the next one. A counter lower than before wrapped (at 2**32 or 2**64), unless the
    router restarted (its uptime went back), when there is no rate until the next reading."""
    counters = {i.name: [i.rx_byte, i.tx_byte] for i in interfaces}
    reading = {"at": at, "uptime": uptime, "counters": counters}
    elapsed = at - previous.get("at", at)
    restarted = uptime < previous.get("uptime", 0)
    old = previous.get("counters", {}) if elapsed > 0 and not restarted else {}
    rates = []
    for i in sorted(interfaces, key=lambda i: natural_key(i.name)):
        before = old.get(i.name)
        rx = _rate(before[0], i.rx_byte, elapsed) if before else None
        tx = _rate(before[1], i.tx_byte, elapsed) if before else None
        rates.append(
            {"name": i.name, "type": i.type, "running": i.running, "rx_bps": rx, "tx_bps": tx}
        )
    return rates, reading


def _rate(before: int | None, now: int | None, elapsed: float) -> int | None:
    if before is None or now is None:
        return None
    delta = now - before
    if delta < 0:
        delta += 2**32 if before < 2**32 else 2**64
    bps = round(delta * 8 / elapsed)
    return bps if bps <= MAX_BPS else None  # counters reset by hand, not a wrap


def total_rates(rates: list[dict[str, Any]]) -> tuple[int | None, int | None]:
    """The router's traffic: the sum over its ports (bridges and tunnels carry the same bytes)."""
    ports = [r for r in rates if r["type"].startswith(PORT_TYPES) and r["rx_bps"] is not None]
    if not ports:
        return None, None
    return sum(r["rx_bps"] for r in ports), sum(r["tx_bps"] for r in ports)
