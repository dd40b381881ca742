"""The configuration of one simulated router: rows per menu, guarded by a lock.

The server (in its event-loop thread) and tests (in theirs) both go through these methods.
Values are stored as RouterOS prints them: strings, booleans as 'true'/'false'.
"""

from __future__ import annotations

import copy
import ipaddress
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from routers.routeros.quoting import ros_duration
from routers.routeros.simulator.menus import MENUS, MenuSpec

BOOLEAN_FIELDS = frozenset(
    {
        "disabled",
        "running",
        "dynamic",
        "invalid",
        "default",
        "use-radius",
        "accounting",
        "accept",
        "routerboard",
        "authoritative",
        "split-user-domain",
        "radius-accounting",
        "one-session-per-host",
        "transparent-proxy",
        "add-mac-cookie",
        "radius",
        "use-circuit-id-in-nas-port-id",
        "enable-ipv6-accounting",
        "allow-remote-requests",
        "vlan-filtering",
        "auto-mac",
        "install-hotspot-queue",
        "https-redirect",
        "authorized",
        "bypassed",
    }
)
_TRUTHY = {"yes": "true", "true": "true", "no": "false", "false": "false"}


class Trap(Exception):
    """A command failure RouterOS reports with !trap (message, category)."""

    def __init__(self, message: str, category: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.category = category


format_uptime = ros_duration  # the uptime column prints like every other duration


def to_ros(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class RouterState:
    def __init__(
        self,
        *,
        seed: int = 0,
        strict_fields: bool = True,
        uptime_offset: int = 0,
        menus: Mapping[str, MenuSpec] = MENUS,
    ) -> None:
        self.menus = dict(menus)
        self.strict_fields = strict_fields
        self.rng = random.Random(seed)
        self.rng_seed = seed
        self.started = time.monotonic() - uptime_offset
        self.lock = threading.RLock()
        self._rows: dict[str, dict[str, dict[str, str]]] = {p: {} for p in self.menus}
        self._next_id: dict[str, int] = dict.fromkeys(self.menus, 1)
        self._singletons: dict[str, dict[str, str]] = {
            p: {} for p, spec in self.menus.items() if spec.singleton
        }
        # Last commands received after login (word, arguments), newest last; for assertions.
        self.command_log: deque[tuple[str, dict[str, str]]] = deque(maxlen=2000)
        self.on_change: list[Callable[[str], None]] = []
        # Live values, settable by tests: a pinned CPU load (None: 0-34 % at random), and the
        # interfaces' byte counters, which grow with traffic and wrap at 2**counter_bits
        # (counter_offset puts them near the wrap).
        self.cpu_load: int | None = None
        self.counter_bits = 64
        self.counter_offset = 0
        self.traffic_scale = 1.0

    # -- lookups ---------------------------------------------------------------------------------
    def spec(self, path: str) -> MenuSpec:
        try:
            return self.menus[path]
        except KeyError:
            raise Trap("no such command prefix", 0) from None

    def rows(self, path: str) -> list[dict[str, str]]:
        """Copies of the items of a list menu, each with its '.id', in creation order."""
        with self.lock:
            return [{".id": item_id, **row} for item_id, row in self._rows[path].items()]

    def printed_rows(self, path: str) -> list[dict[str, str]]:
        """Rows as `print` shows them: with the live values a real router adds (counters)."""
        rows = self.rows(path)
        if path == "/interface":
            elapsed = time.monotonic() - self.started
            for row in rows:
                row.update(self._live_counters(row, elapsed))
        return rows

    def row(self, path: str, item_id: str) -> dict[str, str]:
        with self.lock:
            return {".id": item_id, **self._rows[path][item_id]}

    def find(self, path: str, **match: str) -> list[dict[str, str]]:
        wanted = {k.replace("_", "-"): to_ros(v) for k, v in match.items()}
        return [r for r in self.rows(path) if all(r.get(k) == v for k, v in wanted.items())]

    def singleton(self, path: str) -> dict[str, str]:
        with self.lock:
            values = dict(self._singletons[path])
        if path == "/system/resource":
            values.update(self._live_resource(values))
        return values

    def snapshot(self) -> dict[str, Any]:
        """Deep copy of all configuration, for 'exactly as before' comparisons."""
        with self.lock:
            return copy.deepcopy(
                {
                    "rows": self._rows,
                    "singletons": {
                        p: v for p, v in self._singletons.items() if p != "/system/resource"
                    },
                }
            )

    def resolve(self, path: str, reference: str) -> list[str]:
        """Item ids for '*1A', a name (the unique key), or a comma-separated list of either."""
        spec = self.spec(path)
        found: list[str] = []
        with self.lock:
            items = self._rows[path]
            for ref in (r.strip() for r in reference.split(",")):
                if ref in items:
                    found.append(ref)
                    continue
                by_key = [
                    i for i, row in items.items() if spec.unique and row.get(spec.unique) == ref
                ]
                if not by_key:
                    raise Trap("no such item", 0)
                found.extend(by_key)
        return found

    def check_login(self, name: str, password: str) -> bool:
        with self.lock:
            return any(
                row.get("name") == name
                and row.get("password") == password
                and row.get("disabled") != "true"
                for row in self._rows["/user"].values()
            )

    # -- changes ---------------------------------------------------------------------------------
    def add_row(self, path: str, fields: Mapping[str, Any], *, check: bool = True) -> str:
        """Add an item (tests may add to session menus too); returns its new '.id'."""
        spec = self.spec(path)
        values = self._clean(spec, fields, check=check)
        with self.lock:
            for name in spec.required if check else ():
                if not values.get(name):
                    raise Trap(f"failure: {name} not specified", 1)
            if spec.interface_type and values.get("name"):
                self._check_unique(self.spec("/interface"), values["name"], None)
            row = {**spec.fields, **values}
            self._check_unique(spec, row.get(spec.unique or "", ""), None)
            if path == "/ip/address" and not values.get("network"):
                row["network"] = str(ipaddress.ip_interface(row["address"]).network.network_address)
            item_id = self._store(path, row)
            if spec.interface_type:
                self.add_row(
                    "/interface",
                    {
                        "name": row["name"],
                        "type": spec.interface_type,
                        "mac-address": self.random_mac(),
                        "running": True,
                        "disabled": row.get("disabled", "false"),
                    },
                    check=False,
                )
        self._changed(path)
        return item_id

    def seed_rows(self, path: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add many plain items whose names are distinct by construction (a profile's bulk
        seed): add_row's uniqueness check reads every row, so 50,000 of them took minutes."""
        spec = self.spec(path)
        with self.lock:
            for fields in rows:
                self._store(path, {**spec.fields, **self._clean(spec, fields, check=False)})
        self._changed(path)

    def _store(self, path: str, row: dict[str, Any]) -> str:
        """Keep `row` under the menu's next '.id' (the caller holds the lock); returns the id."""
        item_id = f"*{self._next_id[path]:X}"
        self._next_id[path] += 1
        self._rows[path][item_id] = row
        return item_id

    def set_row(self, path: str, item_id: str, fields: Mapping[str, Any]) -> None:
        spec = self.spec(path)
        values = self._clean(spec, fields, check=True)
        with self.lock:
            if item_id not in self._rows[path]:
                raise Trap("no such item", 0)
            row = self._rows[path][item_id]
            if spec.unique and spec.unique in values:
                self._check_unique(spec, values[spec.unique], item_id)
            old_name = row.get("name")
            row.update(values)
            if spec.interface_type:
                for iface in self._rows["/interface"].values():
                    if iface.get("name") == old_name:
                        iface.update({k: v for k, v in values.items() if k in ("name", "disabled")})
        self._changed(path)

    def remove_rows(self, path: str, item_ids: Iterable[str]) -> None:
        ids = list(item_ids)
        with self.lock:
            items = self._rows[path]
            for item_id in ids:  # all or nothing, like RouterOS
                if item_id not in items:
                    raise Trap("no such item", 0)
                if items[item_id].get("default") == "true":
                    raise Trap("failure: default item can not be removed", 4)
            for item_id in ids:
                row = items.pop(item_id)
                if self.spec(path).interface_type:
                    self._rows["/interface"] = {
                        i: r
                        for i, r in self._rows["/interface"].items()
                        if r.get("name") != row.get("name")
                    }
        self._changed(path)

    def set_singleton(self, path: str, fields: Mapping[str, Any], *, check: bool = True) -> None:
        values = self._clean(self.spec(path), fields, check=check)
        with self.lock:
            self._singletons[path].update(values)
        self._changed(path)

    # -- helpers ---------------------------------------------------------------------------------
    def random_mac(self) -> str:
        return "48:A9:8A:" + ":".join(f"{self.rng.randrange(256):02X}" for _ in range(3))

    def _clean(self, spec: MenuSpec, fields: Mapping[str, Any], *, check: bool) -> dict[str, str]:
        values: dict[str, str] = {}
        for key, value in fields.items():
            key = key.replace("_", "-") if key != ".id" else key
            if key in (".id", ".proplist"):
                continue
            if check and spec.strict and self.strict_fields and key not in spec.fields:
                raise Trap(f"unknown parameter {key}", 1)
            text = to_ros(value)
            if key in BOOLEAN_FIELDS and text.lower() in _TRUTHY:
                text = _TRUTHY[text.lower()]
            values[key] = text
        return values

    def _check_unique(self, spec: MenuSpec, value: str, own_id: str | None) -> None:
        if not spec.unique or not value:
            return
        for item_id, row in self._rows[spec.path].items():
            if item_id != own_id and row.get(spec.unique) == value:
                raise Trap(f"failure: already have {spec.label} with such name", 1)

    def _live_counters(self, row: Mapping[str, str], elapsed: float) -> dict[str, str]:
        """Traffic of a running interface: a steady rate (seeded by its name) plus a two-minute
        swell; counters only ever grow (then wrap), as on a real port."""
        if row.get("running") != "true" or row.get("disabled") == "true":
            rx = tx = 0.0
        else:
            base = random.Random(f"{row.get('name')}:{self.rng_seed}").uniform(50_000, 1_500_000)
            rate = base * self.traffic_scale
            swell = rate / (2 * (2 * math.pi / 120)) * math.sin(2 * math.pi * elapsed / 120)
            rx = rate * elapsed + swell
            tx = rx / 3
        wrap = 2**self.counter_bits
        return {
            "rx-byte": str((int(rx) + self.counter_offset) % wrap),
            "tx-byte": str((int(tx) + self.counter_offset) % wrap),
            "rx-packet": str(int(rx) // 1000),
            "tx-packet": str(int(tx) // 1000),
        }

    def _live_resource(self, base: Mapping[str, str]) -> dict[str, str]:
        total = int(base.get("total-memory") or 1073741824)
        cpu = self.cpu_load if self.cpu_load is not None else self.rng.randrange(0, 35)
        return {
            "uptime": format_uptime(int(time.monotonic() - self.started)),
            "cpu-load": str(cpu),
            "free-memory": str(total - total // 4 - self.rng.randrange(0, total // 16)),
        }

    def _changed(self, path: str) -> None:
        for callback in list(self.on_change):
            callback(path)
