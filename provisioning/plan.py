"""From a desired configuration to RouterOS items: the readable script and the diff plan.

Every item is found on the router by a key (usually its name), so applying the plan twice
changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from radtik.crypto import decrypt
from routers.routeros.quoting import ros_quote

PREFIX = "radtik"


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
    items: list[Item] = []
    hotspot = config.get("hotspot")
    use_radius = "true" if config.get("radius") else "false"
    if hotspot:
        pool = f"{PREFIX}-hs-pool"
        items.append(
            Item("/ip/pool", {"name": pool}, {"name": pool, "ranges": hotspot["address_pool"]})
        )
        profile = f"{PREFIX}-hs"
        items.append(
            Item(
                "/ip/hotspot/profile",
                {"name": profile},
                {
                    "name": profile,
                    "hotspot-address": hotspot["gateway"],
                    "login-by": ",".join(hotspot["login_methods"]),
                    "use-radius": use_radius,
                },
            )
        )
        for interface in hotspot["interfaces"]:
            name = f"{PREFIX}-hs-{interface}"
            items.append(
                Item(
                    "/ip/hotspot",
                    {"name": name},
                    {
                        "name": name,
                        "interface": interface,
                        "address-pool": pool,
                        "profile": profile,
                        "disabled": "false",
                    },
                )
            )
    pppoe = config.get("pppoe")
    if pppoe:
        pool = f"{PREFIX}-pppoe-pool"
        items.append(
            Item("/ip/pool", {"name": pool}, {"name": pool, "ranges": pppoe["pool_range"]})
        )
        profile = f"{PREFIX}-pppoe"
        items.append(
            Item(
                "/ppp/profile",
                {"name": profile},
                {
                    "name": profile,
                    "local-address": pppoe["local_address"],
                    "remote-address": pool,
                },
            )
        )
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
    radius = config.get("radius")
    if radius:
        services = ",".join(s for s, on in (("hotspot", hotspot), ("ppp", pppoe)) if on)
        items.append(
            Item(
                "/radius",
                {"address": radius["address"]},
                {
                    "address": radius["address"],
                    "secret": decrypt(radius["secret_encrypted"]),
                    "service": services,
                    "timeout": "3s",
                },
                secret_fields=("secret",),
            )
        )
        if pppoe:
            items.append(
                Item(
                    "/ppp/aaa",
                    {},
                    {
                        "use-radius": "true",
                        "accounting": "true",
                        "interim-update": "5m",
                    },
                    singleton=True,
                )
            )
    return items


def diff(item: Item, current: dict[str, str] | None) -> PlanStep:
    if current is None:
        return PlanStep(item, "create", None, {k: (None, v) for k, v in item.fields.items()})
    changes = {k: (current.get(k), v) for k, v in item.fields.items() if current.get(k) != v}
    return PlanStep(item, "update" if changes else "unchanged", current, changes)


def render_script(items: list[Item]) -> str:
    """The same configuration as a RouterOS script the operator can read and paste."""
    lines = []
    for item in items:
        menu = item.path.replace("/", " ").strip()
        if item.singleton:
            values = " ".join(f"{k}={ros_quote(v)}" for k, v in item.fields.items())
            lines.append(f"/{menu} set {values}")
            continue
        values = " ".join(
            f"{k}={ros_quote('********' if k in item.secret_fields else v)}"
            for k, v in item.fields.items()
        )
        lines.append(f"/{menu} add {values}")
    return "\n".join(lines)
