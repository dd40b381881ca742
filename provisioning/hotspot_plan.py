"""The hotspot as MikroTik's own `/ip hotspot setup` builds it, plus radtik's portal.

The interface's address, a DHCP server handing out the pool with the router as gateway and DNS,
the router answering DNS, NAT out of the WAN, the hotspot profile (RADIUS, login methods) and
server, and a walled garden so unpaid customers reach the portal. Rows without a name are found
by their comment, so a changed gateway updates the same row instead of adding a second.
"""

from __future__ import annotations

import html
import ipaddress
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from provisioning.plan import PREFIX, Item
from routers.routeros.quoting import ros_duration

HOTSPOT_BRIDGE = f"{PREFIX}-hs-bridge"
# The STK prompt reaches the phone over the mobile network, not the hotspot; Safaricom's hosts
# are let through so the M-Pesa app and its web pages work on a phone joined to the hotspot.
MPESA_HOSTS = ("*.safaricom.co.ke",)
# The router's hotspot pages (login.html sends the customer on to the portal), served with
# RouterOS's $(variables); put on the router as files, as `/tool fetch` would.
HTML_DIRECTORY = f"{PREFIX}-hotspot"
HTML_SOURCE = Path(__file__).with_name("hotspot_html")
HTML_FILES = (
    "login.html",
    "rlogin.html",
    "alogin.html",
    "status.html",
    "logout.html",
    "error.html",
)


def hotspot_interface(hotspot: dict[str, Any]) -> str:
    """Where the hotspot runs: the one chosen interface, or a bridge of the chosen ones."""
    interfaces = hotspot["interfaces"]
    return interfaces[0] if len(interfaces) == 1 else HOTSPOT_BRIDGE


def hotspot_items(
    hotspot: dict[str, Any], *, use_radius: bool, interim_interval: int | None = None
) -> list[Item]:
    """`interim_interval`: the tenant's accounting interval in seconds (with RADIUS)."""
    pool, profile = f"{PREFIX}-hs-pool", f"{PREFIX}-hs"
    interface = hotspot_interface(hotspot)
    items = _bridge(hotspot) + _network(hotspot, interface, pool)
    fields = {
        "name": profile,
        "hotspot-address": hotspot["gateway"],
        "login-by": ",".join(hotspot["login_methods"]),
        "use-radius": "true" if use_radius else "false",
    }
    if hotspot.get("cookie_lifetime"):  # configurations saved before it: the router's default
        fields["http-cookie-lifetime"] = hotspot["cookie_lifetime"]
    if use_radius:
        # Interim-Updates at the tenant's interval, the one the RADIUS replies carry
        # (Acct-Interim-Interval), so usage is current and the agent tells a silent session
        # (3 intervals) from a live one; `received` where no interval is known.
        update = ros_duration(interim_interval) if interim_interval else "received"
        fields |= {"radius-accounting": "true", "radius-interim-update": update}
    files = html_items(hotspot)
    if files:
        fields["html-directory"] = HTML_DIRECTORY
    items.extend(files)  # before the profile that names their directory
    items.append(Item("/ip/hotspot/profile", {"name": profile}, fields))
    for name, on in _servers(hotspot, interface):
        items.append(
            Item(
                "/ip/hotspot",
                {"name": name},
                {
                    "name": name,
                    "interface": on,
                    "address-pool": pool,
                    "profile": profile,
                    "disabled": "false",
                },
            )
        )
    return items + walled_garden_items(hotspot)


def _servers(hotspot: dict[str, Any], interface: str) -> list[tuple[str, str]]:
    if interface == HOTSPOT_BRIDGE:
        return [(f"{PREFIX}-hs", HOTSPOT_BRIDGE)]
    return [(f"{PREFIX}-hs-{interface}", interface)]


def _bridge(hotspot: dict[str, Any]) -> list[Item]:
    """Several customer ports share one gateway and pool: they become one bridge."""
    if hotspot_interface(hotspot) != HOTSPOT_BRIDGE:
        return []
    items = [Item("/interface/bridge", {"name": HOTSPOT_BRIDGE}, {"name": HOTSPOT_BRIDGE})]
    for port in hotspot["interfaces"]:
        items.append(
            Item(
                "/interface/bridge/port",
                {"interface": port},
                {"interface": port, "bridge": HOTSPOT_BRIDGE},
            )
        )
    return items


def _network(hotspot: dict[str, Any], interface: str, pool: str) -> list[Item]:
    gateway = ipaddress.IPv4Interface(f"{hotspot['gateway']}/{hotspot.get('prefix', 24)}")
    comment = f"{PREFIX}-hs"
    dns: dict[str, str] = {"allow-remote-requests": "true"}
    if hotspot.get("dns_servers"):
        dns["servers"] = ",".join(hotspot["dns_servers"])
    return [
        Item(
            "/ip/address",
            {"comment": comment},
            {"address": gateway.with_prefixlen, "interface": interface, "comment": comment},
        ),
        Item("/ip/pool", {"name": pool}, {"name": pool, "ranges": hotspot["address_pool"]}),
        Item(
            "/ip/dhcp-server/network",
            {"comment": comment},
            {
                "address": str(gateway.network),
                "gateway": str(gateway.ip),
                "dns-server": str(gateway.ip),  # the router answers (allow-remote-requests)
                "comment": comment,
            },
        ),
        Item(
            "/ip/dhcp-server",
            {"name": f"{PREFIX}-hs-dhcp"},
            {
                "name": f"{PREFIX}-hs-dhcp",
                "interface": interface,
                "address-pool": pool,
                "lease-time": hotspot.get("lease_time") or "1h",
                "disabled": "false",
            },
        ),
        Item("/ip/dns", {}, dns, singleton=True),
    ]


def portal_host(hotspot: dict[str, Any]) -> str:
    return (urlsplit(hotspot.get("portal_url") or "").hostname or "").lower()


@cache
def _html_source(name: str) -> str:
    return (HTML_SOURCE / name).read_text()


# RouterOS fills $(variables) in these pages: a "$" of the operator's title must stay a "$".
DEFAULT_TITLE = "$(identity) WiFi"


def html_file(name: str, portal_url: str, title: str = "") -> str:
    """One page of the hotspot's html directory, pointing at this account's portal, titled as
    its portal (the router's identity when the portal has no title of its own)."""
    shown = html.escape(title).replace("$", "&#36;") if title else DEFAULT_TITLE
    return (
        _html_source(name)
        .replace("%PORTAL_URL%", html.escape(portal_url))
        .replace("%PORTAL_TITLE%", shown)
    )


def html_items(hotspot: dict[str, Any]) -> list[Item]:
    portal_url = hotspot.get("portal_url") or ""
    if not portal_url:
        return []  # saved before radtik shipped its pages: the router's own stay
    return [
        Item(
            "/file",
            {"name": f"{HTML_DIRECTORY}/{name}"},
            {
                "name": f"{HTML_DIRECTORY}/{name}",
                "contents": html_file(name, portal_url, hotspot.get("portal_title", "")),
            },
        )
        for name in HTML_FILES
    ]


def walled_garden_items(hotspot: dict[str, Any]) -> list[Item]:
    """Hosts an unpaid customer may reach: the portal (HTTP and, at the IP level, HTTPS and
    its websocket) and M-Pesa's."""
    items = []
    hosts = ([portal_host(hotspot)] if portal_host(hotspot) else []) + list(MPESA_HOSTS)
    for number, host in enumerate(hosts, start=1):
        comment = f"{PREFIX}-wg-{number}"
        # The HTTP list allows; the IP list (which RouterOS resolves by name) accepts.
        for path, action in (
            ("/ip/hotspot/walled-garden", "allow"),
            ("/ip/hotspot/walled-garden/ip", "accept"),
        ):
            items.append(
                Item(
                    path,
                    {"comment": comment},
                    {"dst-host": host, "action": action, "comment": comment},
                )
            )
    return items


def nat_items(config: dict[str, Any]) -> list[Item]:
    """One masquerade per internet-side interface the services name."""
    wans = []
    for section in ("hotspot", "pppoe"):
        wan = (config.get(section) or {}).get("wan_interface")
        if wan and wan not in wans:
            wans.append(wan)
    return [
        Item(
            "/ip/firewall/nat",
            {"comment": f"{PREFIX}-nat-{wan}"},
            {
                "chain": "srcnat",
                "action": "masquerade",
                "out-interface": wan,
                "comment": f"{PREFIX}-nat-{wan}",
            },
        )
        for wan in wans
    ]
