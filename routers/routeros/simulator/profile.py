"""What a simulated router looks like when it starts, and the seeding that builds it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from routers.routeros.simulator.state import RouterState

SERVICES = (
    ("telnet", 23, True),
    ("ftp", 21, True),
    ("www", 80, False),
    ("ssh", 22, False),
    ("www-ssl", 443, True),
    ("api", 8728, False),
    ("winbox", 8291, False),
    ("api-ssl", 8729, False),
)


@dataclass
class RouterProfile:
    identity: str = "MikroTik"
    username: str = "admin"
    password: str = field(default="admin", repr=False)
    board_name: str = "RB3011UiAS-RM"
    version: str = "7.16.2 (stable)"
    architecture: str = "arm"
    firmware: str = "7.16.2"
    total_memory: int = 1073741824
    ethernet_ports: int = 10
    bridges: tuple[str, ...] = ("bridge1",)
    pools: tuple[tuple[str, str], ...] = (
        ("dhcp_pool0", "192.168.88.10-192.168.88.254"),
        ("hs-pool-1", "10.5.50.2-10.5.50.254"),
        ("pppoe-pool", "10.10.0.2-10.10.0.254"),
    )
    ppp_secrets: tuple[tuple[str, str, str], ...] = (  # name, password, profile
        ("alice", "alice-pw", "default"),
        ("bob", "bob-pw", "default"),
        ("carol", "carol-pw", "default"),
    )
    bulk_ppp_secrets: int = 0  # extra secrets 'pppoe-user-00001'... for import tests
    bulk_pools: int = 0  # extra pools 'bulk-pool-0001' with a /16 range each
    seed: int = 0
    uptime_offset: int = 3 * 86400 + 4 * 3600 + 5 * 60 + 6  # uptime at start
    strict_fields: bool = True


def build_state(profile: RouterProfile) -> RouterState:
    state = RouterState(
        seed=profile.seed, strict_fields=profile.strict_fields, uptime_offset=profile.uptime_offset
    )
    serial = f"HG{state.rng.randrange(16**8):08X}"
    state.set_singleton("/system/identity", {"name": profile.identity})
    state.set_singleton(
        "/system/resource",
        {
            "version": profile.version,
            "build-time": "2024-10-29 12:44:17",
            "factory-software": "6.44.6",
            "total-memory": profile.total_memory,
            "cpu": "ARMv7",
            "cpu-count": 2,
            "cpu-frequency": 1400,
            "free-hdd-space": 88252416,
            "total-hdd-space": 134217728,
            "architecture-name": profile.architecture,
            "board-name": profile.board_name,
            "platform": "MikroTik",
        },
    )
    state.set_singleton(
        "/system/routerboard",
        {
            "routerboard": True,
            "board-name": profile.board_name,
            "model": profile.board_name,
            "serial-number": serial,
            "firmware-type": "qca8513L",
            "factory-firmware": "6.44.6",
            "current-firmware": profile.firmware,
            "upgrade-firmware": profile.firmware,
        },
    )
    state.set_singleton(
        "/ppp/aaa",
        {
            "use-radius": False,
            "accounting": True,
            "interim-update": "0s",
            "use-circuit-id-in-nas-port-id": False,
            "enable-ipv6-accounting": False,
        },
    )
    state.set_singleton(
        "/ip/neighbor/discovery-settings",
        {"discover-interface-list": "all", "protocol": "cdp,lldp,mndp", "mode": "tx-and-rx"},
    )
    state.set_singleton("/radius/incoming", {"accept": False, "port": 3799})
    state.set_singleton("/ip/proxy", {"enabled": False, "port": 8080})
    state.set_singleton(
        "/ip/dns", {"servers": "", "allow-remote-requests": True, "cache-size": 2048}
    )
    for i in range(1, profile.ethernet_ports + 1):
        state.add_row(
            "/interface",
            {
                "name": f"ether{i}",
                "type": "ether",
                "mtu": 1500,
                "actual-mtu": 1500,
                "l2mtu": 1598,
                "mac-address": state.random_mac(),
                "running": i <= 2,
                "disabled": False,
            },
            check=False,
        )
    for bridge in profile.bridges:
        state.add_row("/interface/bridge", {"name": bridge})
    for group, policy in (
        ("read", "local,telnet,ssh,read,test,winbox,api"),
        ("write", "local,telnet,ssh,read,write,test,winbox,api"),
        ("full", "local,telnet,ssh,read,write,policy,test,winbox,api"),
    ):
        state.add_row("/user/group", {"name": group, "policy": policy})
    state.add_row(
        "/user", {"name": profile.username, "group": "full", "password": profile.password}
    )
    for name, port, disabled in SERVICES:
        state.add_row(
            "/ip/service",
            {"name": name, "port": port, "disabled": disabled, "address": ""},
            check=False,
        )
    state.add_row(
        "/ip/address",
        {
            "address": "192.168.88.1/24",
            "interface": "bridge1" if "bridge1" in profile.bridges else "ether2",
        },
    )
    for name, ranges in profile.pools:
        state.add_row("/ip/pool", {"name": name, "ranges": ranges})
    for name in ("default", "default-encryption"):
        state.add_row(
            "/ppp/profile",
            {
                "name": name,
                "default": True,
                "only-one": "default",
                "change-tcp-mss": "yes",
                "use-encryption": "yes" if "enc" in name else "default",
            },
        )
    state.add_row(
        "/ip/hotspot/profile",
        {
            "name": "default",
            "default": True,
            "html-directory": "hotspot",
            "login-by": "cookie,http-chap",
            "use-radius": False,
        },
    )
    state.add_row(
        "/ip/hotspot/user/profile", {"name": "default", "default": True, "shared-users": 1}
    )
    for name, password, ppp_profile in profile.ppp_secrets:
        state.add_row(
            "/ppp/secret",
            {"name": name, "password": password, "service": "pppoe", "profile": ppp_profile},
        )
    seed_bulk(state, secrets=profile.bulk_ppp_secrets, pools=profile.bulk_pools)
    return state


def seed_bulk(state: RouterState, *, secrets: int = 0, pools: int = 0) -> None:
    """Many PPP secrets (addresses from 100.64.0.0/10) and pools with /16 ranges."""
    base = int(ipaddress.ip_address("100.64.0.2"))
    state.seed_rows(
        "/ppp/secret",
        (
            {
                "name": f"pppoe-user-{i:05d}",
                "password": f"pw-{state.rng.randrange(10**8):08d}",
                "service": "pppoe",
                "profile": "default",
                "remote-address": str(ipaddress.ip_address(base + i)),
                "comment": f"imported customer {i}",
            }
            for i in range(1, secrets + 1)
        ),
    )
    for i in range(1, pools + 1):
        network16 = ipaddress.ip_network(f"{10 + i // 256}.{i % 256}.0.0/16")
        state.add_row(
            "/ip/pool",
            {
                "name": f"bulk-pool-{i:04d}",
                "ranges": f"{network16.network_address + 1}-{network16.broadcast_address - 1}",
            },
        )
