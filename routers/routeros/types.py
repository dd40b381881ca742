"""Typed, immutable views of the RouterOS rows radtik reads, and the parsers they share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Row = Mapping[str, str]

_TRUE = {"true", "yes"}
_FALSE = {"false", "no", ""}
_DURATION_PART = re.compile(r"(\d+)(w|d|h|ms|m|s)")
_CLOCK = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(\d+):(\d+):(\d+)(?:\.\d+)?")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}


def parse_bool(value: str | None) -> bool:
    """RouterOS 7 prints 'true'/'false'; older versions and input use 'yes'/'no'."""
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"not a RouterOS boolean: {value!r}")


def parse_int(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return None


def parse_duration(value: str | None) -> int | None:
    """Seconds in a RouterOS duration: '6d23h19m23s', '1w', '00:05:00', '3s500ms'; None if unset."""
    if value is None or value in ("", "none", "never"):
        return None
    text = value.strip()
    clock = _CLOCK.fullmatch(text)  # RouterOS 6 style: '2d03:04:05'
    if clock:
        weeks, days, hours, minutes, seconds = (int(g or 0) for g in clock.groups())
        return weeks * 604800 + days * 86400 + hours * 3600 + minutes * 60 + seconds
    total = 0.0
    consumed = 0
    for match in _DURATION_PART.finditer(text):
        total += int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        consumed += len(match.group(0))
    if consumed != len(text):
        return parse_int(text)  # a bare number of seconds
    return int(total)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part for part in (value or "").split(",") if part)


def _opt(row: Row, key: str) -> str | None:
    value = row.get(key)
    return value if value not in (None, "") else None


@dataclass(frozen=True)
class Identity:
    name: str

    @classmethod
    def from_row(cls, row: Row) -> Identity:
        return cls(name=row.get("name", ""))


@dataclass(frozen=True)
class Resource:
    board_name: str
    version: str
    uptime_seconds: int
    uptime_raw: str
    cpu_load: int | None
    free_memory: int | None
    total_memory: int | None
    architecture: str

    @classmethod
    def from_row(cls, row: Row) -> Resource:
        return cls(
            board_name=row.get("board-name", ""),
            version=row.get("version", ""),
            uptime_seconds=parse_duration(row.get("uptime")) or 0,
            uptime_raw=row.get("uptime", ""),
            cpu_load=parse_int(row.get("cpu-load")),
            free_memory=parse_int(row.get("free-memory")),
            total_memory=parse_int(row.get("total-memory")),
            architecture=row.get("architecture-name", ""),
        )


@dataclass(frozen=True)
class Routerboard:
    model: str
    serial_number: str
    firmware: str
    is_routerboard: bool

    @classmethod
    def from_row(cls, row: Row) -> Routerboard:
        return cls(
            model=row.get("model", ""),
            serial_number=row.get("serial-number", ""),
            firmware=row.get("current-firmware", ""),
            is_routerboard=parse_bool(row.get("routerboard", "false")),
        )


@dataclass(frozen=True)
class Interface:
    id: str
    name: str
    type: str
    running: bool
    disabled: bool
    mac_address: str

    @classmethod
    def from_row(cls, row: Row) -> Interface:
        return cls(
            id=row.get(".id", ""),
            name=row.get("name", ""),
            type=row.get("type", ""),
            running=parse_bool(row.get("running")),
            disabled=parse_bool(row.get("disabled")),
            mac_address=row.get("mac-address", ""),
        )


@dataclass(frozen=True)
class InterfaceCounters:
    name: str
    type: str
    running: bool
    disabled: bool
    rx_byte: int | None  # since the router started; 64-bit on RouterOS 7 (may wrap elsewhere)
    tx_byte: int | None

    @classmethod
    def from_row(cls, row: Row) -> InterfaceCounters:
        return cls(
            name=row.get("name", ""),
            type=row.get("type", ""),
            running=parse_bool(row.get("running")),
            disabled=parse_bool(row.get("disabled")),
            rx_byte=parse_int(row.get("rx-byte")),
            tx_byte=parse_int(row.get("tx-byte")),
        )


@dataclass(frozen=True)
class IpAddress:
    id: str
    address: str
    network: str
    interface: str
    disabled: bool

    @classmethod
    def from_row(cls, row: Row) -> IpAddress:
        return cls(
            id=row.get(".id", ""),
            address=row.get("address", ""),
            network=row.get("network", ""),
            interface=row.get("interface", ""),
            disabled=parse_bool(row.get("disabled")),
        )


@dataclass(frozen=True)
class IpPool:
    id: str
    name: str
    ranges: tuple[str, ...]
    next_pool: str | None

    @classmethod
    def from_row(cls, row: Row) -> IpPool:
        next_pool = _opt(row, "next-pool")
        return cls(
            id=row.get(".id", ""),
            name=row.get("name", ""),
            ranges=_split(row.get("ranges")),
            next_pool=None if next_pool == "none" else next_pool,
        )


@dataclass(frozen=True)
class PppSecret:
    id: str
    name: str
    password: str = field(repr=False)
    service: str
    profile: str
    local_address: str | None
    remote_address: str | None
    disabled: bool
    comment: str

    @classmethod
    def from_row(cls, row: Row) -> PppSecret:
        return cls(
            id=row.get(".id", ""),
            name=row.get("name", ""),
            password=row.get("password", ""),
            service=row.get("service", "any"),
            profile=row.get("profile", "default"),
            local_address=_opt(row, "local-address"),
            remote_address=_opt(row, "remote-address"),
            disabled=parse_bool(row.get("disabled")),
            comment=row.get("comment", ""),
        )


@dataclass(frozen=True)
class PppProfile:
    id: str
    name: str
    local_address: str | None
    remote_address: str | None
    rate_limit: str | None
    only_one: str

    @classmethod
    def from_row(cls, row: Row) -> PppProfile:
        return cls(
            id=row.get(".id", ""),
            name=row.get("name", ""),
            local_address=_opt(row, "local-address"),
            remote_address=_opt(row, "remote-address"),
            rate_limit=_opt(row, "rate-limit"),
            only_one=row.get("only-one", "default"),
        )


@dataclass(frozen=True)
class PppActive:
    id: str
    name: str
    service: str
    caller_id: str
    address: str
    uptime_seconds: int

    @classmethod
    def from_row(cls, row: Row) -> PppActive:
        return cls(
            id=row.get(".id", ""),
            name=row.get("name", ""),
            service=row.get("service", ""),
            caller_id=row.get("caller-id", ""),
            address=row.get("address", ""),
            uptime_seconds=parse_duration(row.get("uptime")) or 0,
        )


@dataclass(frozen=True)
class HotspotServer:
    id: str
    name: str
    interface: str
    address_pool: str | None
    profile: str
    disabled: bool

    @classmethod
    def from_row(cls, row: Row) -> HotspotServer:
        pool = _opt(row, "address-pool")
        return cls(
            id=row.get(".id", ""),
            name=row.get("name", ""),
            interface=row.get("interface", ""),
            address_pool=None if pool == "none" else pool,
            profile=row.get("profile", "default"),
            disabled=parse_bool(row.get("disabled")),
        )


@dataclass(frozen=True)
class HotspotServerProfile:
    id: str
    name: str
    hotspot_address: str | None
    login_by: tuple[str, ...]
    use_radius: bool

    @classmethod
    def from_row(cls, row: Row) -> HotspotServerProfile:
        return cls(
            id=row.get(".id", ""),
            name=row.get("name", ""),
            hotspot_address=_opt(row, "hotspot-address"),
            login_by=_split(row.get("login-by")),
            use_radius=parse_bool(row.get("use-radius")),
        )


@dataclass(frozen=True)
class HotspotUser:
    id: str
    name: str
    password: str = field(repr=False)
    profile: str
    limit_uptime_seconds: int | None
    limit_bytes_total: int | None
    disabled: bool
    comment: str

    @classmethod
    def from_row(cls, row: Row) -> HotspotUser:
        limit = parse_duration(row.get("limit-uptime"))
        return cls(
            id=row.get(".id", ""),
            name=row.get("name", ""),
            password=row.get("password", ""),
            profile=row.get("profile", "default"),
            limit_uptime_seconds=limit or None,
            limit_bytes_total=parse_int(row.get("limit-bytes-total")) or None,
            disabled=parse_bool(row.get("disabled")),
            comment=row.get("comment", ""),
        )


@dataclass(frozen=True)
class HotspotUserProfile:
    id: str
    name: str
    rate_limit: str | None
    shared_users: int | None

    @classmethod
    def from_row(cls, row: Row) -> HotspotUserProfile:
        return cls(
            id=row.get(".id", ""),
            name=row.get("name", ""),
            rate_limit=_opt(row, "rate-limit"),
            shared_users=parse_int(row.get("shared-users")),
        )


@dataclass(frozen=True)
class HotspotActive:
    id: str
    server: str
    user: str
    address: str
    mac_address: str
    uptime_seconds: int
    bytes_in: int
    bytes_out: int

    @classmethod
    def from_row(cls, row: Row) -> HotspotActive:
        return cls(
            id=row.get(".id", ""),
            server=row.get("server", ""),
            user=row.get("user", ""),
            address=row.get("address", ""),
            mac_address=row.get("mac-address", ""),
            uptime_seconds=parse_duration(row.get("uptime")) or 0,
            bytes_in=parse_int(row.get("bytes-in")) or 0,
            bytes_out=parse_int(row.get("bytes-out")) or 0,
        )


@dataclass(frozen=True)
class RadiusClient:
    id: str
    address: str
    secret: str = field(repr=False)
    services: tuple[str, ...]
    timeout: str
    disabled: bool

    @classmethod
    def from_row(cls, row: Row) -> RadiusClient:
        return cls(
            id=row.get(".id", ""),
            address=row.get("address", ""),
            secret=row.get("secret", ""),
            services=_split(row.get("service")),
            timeout=row.get("timeout", ""),
            disabled=parse_bool(row.get("disabled")),
        )


def to_api_value(value: Any) -> str:
    """Python value -> RouterOS word value (bools as yes/no, None as empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
