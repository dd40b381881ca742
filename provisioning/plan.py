"""From a desired configuration to RouterOS items: the readable script and the diff plan.

Every item is found on the router by a key (usually its name), so applying the plan twice
changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from radius.choices import COA_PORT
from radtik.crypto import decrypt
from routers.managed import normal_value
from routers.routeros.quoting import ros_quote

PREFIX = "radtik"
DEFAULT_INTERIM_INTERVAL = 60  # seconds; Tenant.radius_interim_interval's default
_CLI_BOOLEANS = {"true": "yes", "false": "no"}


@dataclass(frozen=True)
class Item:
    path: str  # API menu, e.g. /ip/pool
    key: dict[str, str]  # how to find it: {"name": "radtik-hs-pool"}
    fields: dict[str, str]  # what it must hold (key included)
    singleton: bool = False
    secret_fields: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        key = ",".join(f"{k}={v}" for k, v in self.key.items())
        return f"{self.path} {key}" if key else self.path


@dataclass
class PlanStep:
    item: Item
    action: str  # create | update | unchanged
    current: dict[str, str] | None = None  # the row as it was (None: absent)
    changes: dict[str, tuple[str | None, str]] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        hidden = set(self.item.secret_fields)
        return {
            "item": self.item.label,
            "action": self.action,
            "changes": {k: ("***", "***") if k in hidden else v for k, v in self.changes.items()},
        }


def desired_items(config: dict[str, Any]) -> list[Item]:
    from provisioning.hotspot_plan import hotspot_items, nat_items  # it builds on Item
    from provisioning.pppoe_plan import renew_items

    items: list[Item] = []
    hotspot, radius = config.get("hotspot"), config.get("radius")
    if hotspot:
        # Configurations saved before the tenant's setting: its default.
        interval = radius.get("interim_interval", DEFAULT_INTERIM_INTERVAL) if radius else None
        items.extend(hotspot_items(hotspot, use_radius=bool(radius), interim_interval=interval))
    pppoe = config.get("pppoe")
    if pppoe:
        items.extend(_pppoe_items(pppoe))
    items.extend(nat_items(config))
    if pppoe and radius:  # the renew list is named by RADIUS replies
        items.extend(renew_items(pppoe))
    if radius:
        items.extend(_radius_items(radius, hotspot=bool(hotspot), pppoe=bool(pppoe)))
    return items


def _pppoe_items(pppoe: dict[str, Any]) -> list[Item]:
    pool = f"{PREFIX}-pppoe-pool"
    profile = f"{PREFIX}-pppoe"
    items = [
        Item("/ip/pool", {"name": pool}, {"name": pool, "ranges": pppoe["pool_range"]}),
        Item(
            "/ppp/profile",
            {"name": profile},
            {"name": profile, "local-address": pppoe["local_address"], "remote-address": pool},
        ),
    ]
    for interface in pppoe["interfaces"]:
        items.append(
            Item(
                "/interface/pppoe-server/server",
                {"interface": interface},
                {
                    "interface": interface,
                    "service-name": pppoe["service_name"],
                    "default-profile": profile,
                    "disabled": "false",
                },
            )
        )
    return items


def _radius_items(radius: dict[str, Any], *, hotspot: bool, pppoe: bool) -> list[Item]:
    services = ",".join(s for s, on in (("hotspot", hotspot), ("ppp", pppoe)) if on)
    items = [
        Item(
            "/radius",
            {"address": radius["address"]},
            {
                "address": radius["address"],
                "secret": decrypt(radius["secret_encrypted"]),
                "service": services,
                # Configurations saved before the ports were chosen: FreeRADIUS's defaults.
                "authentication-port": str(radius.get("auth_port", 1812)),
                "accounting-port": str(radius.get("acct_port", 1813)),
                "timeout": "3s",
            },
            secret_fields=("secret",),
        ),
        # Disconnect-Request / CoA from radtik (RFC 5176): how expiry and kicks reach sessions.
        Item("/radius/incoming", {}, {"accept": "true", "port": str(COA_PORT)}, singleton=True),
    ]
    if pppoe:
        items.append(
            Item(
                "/ppp/aaa",
                {},
                {"use-radius": "true", "accounting": "true", "interim-update": "5m"},
                singleton=True,
            )
        )
    return items


def diff(item: Item, current: dict[str, str] | None) -> PlanStep:
    """What must change; lists compare as sets and booleans as true/false, since RouterOS
    prints them its own way (its default profile's login-by is `cookie,http-chap`)."""
    if current is None:
        return PlanStep(item, "create", None, {k: (None, v) for k, v in item.fields.items()})
    changes = {
        k: (current.get(k), v)
        for k, v in item.fields.items()
        if normal_value(current.get(k) or "") != normal_value(v)
    }
    return PlanStep(item, "update" if changes else "unchanged", current, changes)


def render_script(items: list[Item]) -> str:
    """The same configuration as a RouterOS script the operator can read and paste: booleans
    as the CLI writes them (yes/no; the API prints true/false)."""
    lines = []
    for item in items:
        menu = item.path.replace("/", " ").strip()
        values = " ".join(
            f"{k}={_script_value('********' if k in item.secret_fields else v)}"
            for k, v in item.fields.items()
        )
        lines.append(f"/{menu} {'set' if item.singleton else 'add'} {values}")
    return "\n".join(lines)


def _script_value(value: str) -> str:
    return _CLI_BOOLEANS.get(value) or ros_quote(value)
