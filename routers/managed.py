"""What radtik manages on a router, as the health check compares it: one digest per item.

Provisioning says what it deployed (routers.services.router_managed_record) in these terms, so
routers never imports provisioning. A digest covers an item's managed fields as RouterOS prints
them (lists compared as sets, booleans as true/false); secret fields stay out of it, so nothing
stored here reveals them (and the check never reads them back).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_BOOLEANS = {"yes": "true", "no": "false"}


@dataclass(frozen=True)
class ManagedItem:
    path: str  # API menu, e.g. /ip/pool
    key: dict[str, str]  # how to find it ({} for a menu without items, e.g. /ppp/aaa)
    fields: dict[str, str]  # what it must hold
    secret_fields: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        key = ",".join(f"{k}={v}" for k, v in self.key.items())
        return f"{self.path} {key}" if key else self.path

    def spec(self) -> dict[str, Any]:
        """The stored form: where to find it, the values to find there, and their digest."""
        checked = sorted(k for k in self.fields if k not in self.secret_fields)
        return {
            "path": self.path,
            "key": dict(self.key),
            "values": {name: normal_value(self.fields[name]) for name in checked},
            "digest": digest(self.fields, checked),
        }


def normal_value(value: str) -> str:
    """As RouterOS prints it, order aside: booleans true/false, lists sorted."""
    value = _BOOLEANS.get(value, value)
    return ",".join(sorted(value.split(","))) if "," in value else value


def digest(row: Mapping[str, str], fields: list[str]) -> str:
    """A short checksum of `fields` of `row` (missing fields count as empty), in name order
    (jsonb keeps its own order of a stored spec's keys)."""
    values = [[name, normal_value(str(row.get(name, "")))] for name in sorted(fields)]
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:16]


def drift(specs: list[dict[str, Any]], rows: list[dict[str, str] | None]) -> list[str]:
    """Operator words for each managed item the router no longer holds as deployed; `rows`
    are what the router printed for each spec, in order (None: no such item)."""
    found = []
    for spec, row in zip(specs, rows, strict=True):
        key = ",".join(f"{k}={v}" for k, v in spec["key"].items())
        label = f"{spec['path']} {key}".strip()
        if row is None:
            found.append(f"{label} is missing")
        elif digest(row, list(spec["values"])) != spec["digest"]:
            changed = [
                f"{name} is '{row.get(name, '')}' (deployed '{value}')"
                for name, value in spec["values"].items()
                if normal_value(str(row.get(name, ""))) != value
            ]
            found.append(f"{label}: {', '.join(changed)}")
    return found
