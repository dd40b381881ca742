"""What a simulated hotspot knows of the devices behind it: DHCP leases, hosts, the walled
garden, the router's own DNS, and the cookie a device logged in with.

A real hotspot knows a device by its MAC on the wire. Simulated devices all reach the router from
loopback, so each one names its MAC as the user of its proxy credentials (see device.py); the
router gives it a lease from its DHCP server's pool, visible in /ip/dhcp-server/lease and
/ip/hotspot/host as on a real router.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import secrets
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from routers.routeros.simulator.state import RouterState


@dataclass
class Device:
    mac: str
    ip: str
    cookies: dict[str, tuple[str, str]] = field(default_factory=dict)  # cookie -> credentials


class HotspotNet:
    def __init__(self, state: RouterState) -> None:
        self.state = state
        self._devices: dict[str, Device] = {}
        self._lock = threading.Lock()

    # -- devices ---------------------------------------------------------------------------------
    def device(self, mac: str) -> Device:
        """The device with that MAC, leased an address on first sight (DHCP DORA, in short)."""
        mac = mac.upper()
        with self._lock:
            known = self._devices.get(mac)
            if known is not None:
                return known
            server, ip = self._lease_address()
            self.state.add_row(
                "/ip/dhcp-server/lease",
                {"address": ip, "mac-address": mac, "server": server, "status": "bound",
                 "dynamic": True, "expires-after": self._lease_time(server)},
                check=False,
            )  # fmt: skip
            self.state.add_row(
                "/ip/hotspot/host",
                {"mac-address": mac, "address": ip, "to-address": ip, "server": self._hotspot(),
                 "authorized": False, "bypassed": False},
                check=False,
            )  # fmt: skip
            device = self._devices[mac] = Device(mac, ip)
            return device

    def authorize(self, device: Device, authorized: bool) -> None:
        for row in self.state.find("/ip/hotspot/host", **{"mac-address": device.mac}):
            self.state.set_row("/ip/hotspot/host", row[".id"], {"authorized": authorized})

    def remember(self, device: Device, username: str, password: str) -> str:
        """login-by=cookie: the router remembers the login under a cookie it gives the device."""
        cookie = secrets.token_hex(16)
        device.cookies[cookie] = (username, password)
        return cookie

    def _lease_address(self) -> tuple[str, str]:
        servers = [r for r in self.state.rows("/ip/dhcp-server") if r.get("disabled") != "true"]
        taken = {r.get("address") for r in self.state.rows("/ip/dhcp-server/lease")}
        for server in servers:
            for pool in self.state.find("/ip/pool", name=server.get("address-pool", "")):
                for text in (pool.get("ranges") or "").split(","):
                    start, _, end = text.partition("-")
                    first = ipaddress.IPv4Address(start)
                    last = ipaddress.IPv4Address(end or start)
                    for n in range(int(first), int(last) + 1):
                        address = str(ipaddress.IPv4Address(n))
                        if address not in taken:
                            return server.get("name", "dhcp1"), address
        # No DHCP server (a router set up by hand): an address of the default hotspot network.
        return "", f"10.5.50.{len(taken) % 240 + 10}"

    def _lease_time(self, server: str) -> str:
        rows = self.state.find("/ip/dhcp-server", name=server) if server else []
        return rows[0].get("lease-time") or "10m" if rows else "10m"

    def _hotspot(self) -> str:
        rows = self.state.rows("/ip/hotspot")
        return rows[0].get("name", "hotspot1") if rows else "hotspot1"

    # -- the hotspot's view of the network -------------------------------------------------------
    def profile(self) -> dict[str, str]:
        servers = [r for r in self.state.rows("/ip/hotspot") if r.get("disabled") != "true"]
        name = servers[0].get("profile", "default") if servers else "default"
        rows = self.state.find("/ip/hotspot/profile", name=name)
        return rows[0] if rows else {}

    def router_hosts(self) -> set[str]:
        """Names and addresses under which the router serves its own hotspot pages."""
        profile = self.profile()
        return {h for h in (profile.get("hotspot-address"), profile.get("dns-name")) if h}

    def walled_garden_allows(self, host: str, path: str, *, ip_level: bool = False) -> bool:
        """The first enabled entry matching the host (and path) decides; none: refused."""
        menu = "/ip/hotspot/walled-garden/ip" if ip_level else "/ip/hotspot/walled-garden"
        for row in self.state.rows(menu):
            if row.get("disabled") == "true":
                continue
            pattern = (row.get("dst-host") or "*").lower()
            if not fnmatch.fnmatchcase(host.lower(), pattern):
                continue
            if not ip_level and row.get("path") and not fnmatch.fnmatchcase(path, row["path"]):
                continue
            return row.get("action", "allow") in ("allow", "accept")
        return False

    def resolve(self, host: str) -> str:
        """The router's DNS: its static entries first, else the system's resolver."""
        for row in self.state.find("/ip/dns/static", name=host):
            if row.get("disabled") != "true" and row.get("address"):
                return row["address"]
        return host
