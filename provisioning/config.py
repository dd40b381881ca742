"""Stage 4: the operator's service choices, validated into a declarative desired configuration."""

from __future__ import annotations

import ipaddress
import re
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError

from radtik.crypto import encrypt

LOGIN_METHODS = ("mac", "http-chap", "https", "http-pap", "cookie", "mac-cookie")
# The portal logs a paid device in by posting its password to the router (http-pap); cookie
# keeps it logged in across short disconnects, as /ip hotspot setup's default profile does.
# mac-cookie remembers the device by its MAC instead of its browser's cookie (phones' captive
# portal windows drop cookies): it comes back logged in, through RADIUS, while paid up.
DEFAULT_LOGIN_METHODS = ("http-chap", "http-pap", "cookie")
DURATION = re.compile(r"(\d+[wdhms])+")


class RadiusEndpoint(NamedTuple):
    """Where a router sends RADIUS: a server's address and its FreeRADIUS ports."""

    address: str
    auth_port: int
    acct_port: int


def parse_range(value: str) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]:
    """`a.b.c.d-a.b.c.d`, both real IPv4 addresses, start <= end."""
    parts = str(value).split("-")
    if len(parts) != 2:
        raise ValueError("Use a range like 10.10.0.2-10.10.0.254.")
    try:
        start, end = (ipaddress.IPv4Address(p.strip()) for p in parts)
    except ipaddress.AddressValueError as exc:
        raise ValueError(f"Not an IPv4 address: {exc}") from None
    if start > end:
        raise ValueError("The range starts after it ends.")
    return start, end


def _address(value: Any, field: str, errors: dict[str, list[str]]) -> str:
    try:
        return str(ipaddress.IPv4Address(str(value).strip()))
    except (ipaddress.AddressValueError, ValueError):
        errors.setdefault(field, []).append("Enter a valid IPv4 address.")
        return ""


def _range(value: Any, field: str, errors: dict[str, list[str]]) -> str:
    try:
        start, end = parse_range(value or "")
    except ValueError as exc:
        errors.setdefault(field, []).append(str(exc))
        return ""
    return f"{start}-{end}"


def _duration(value: Any, default: str, field: str, errors: dict[str, list[str]]) -> str:
    text = str(value or default).strip()
    if not DURATION.fullmatch(text):
        errors.setdefault(field, []).append("Use a RouterOS duration like 30m, 1h or 1d12h.")
    return text


def _wan(value: Any, field: str, known: set[str], lan: list, errors: dict[str, list[str]]) -> str:
    name = str(value or "").strip()
    if not name:
        errors.setdefault(field, []).append(
            "Choose the interface towards the internet (NAT masquerades out of it)."
        )
    elif name not in known:
        errors.setdefault(field, []).append(f"Not on this router: {name}.")
    elif name in lan:
        errors.setdefault(field, []).append("The internet side cannot be a customer interface.")
    return name


def _hotspot_network(
    hotspot: dict[str, Any], errors: dict[str, list[str]]
) -> tuple[int, list[str]]:
    """The gateway's prefix (the pool must lie inside its network, the gateway outside the
    pool) and the upstream DNS servers, if any."""
    try:
        prefix = int(hotspot.get("prefix") or 24)
        if not 8 <= prefix <= 30:
            raise ValueError
    except (TypeError, ValueError):
        errors.setdefault("hotspot.prefix", []).append("Use a prefix length from 8 to 30.")
        prefix = 24
    dns = [_address(d, "hotspot.dns_servers", errors) for d in hotspot.get("dns_servers") or []]
    try:
        gateway = ipaddress.IPv4Interface(f"{hotspot.get('gateway')}/{prefix}")
        start, end = parse_range(hotspot.get("address_pool") or "")
    except ValueError:
        return prefix, dns  # reported by _address / _range
    if start not in gateway.network or end not in gateway.network:
        errors.setdefault("hotspot.address_pool", []).append(
            f"The pool must lie inside {gateway.network}."
        )
    if start <= gateway.ip <= end:
        errors.setdefault("hotspot.address_pool", []).append(
            "The gateway's own address is inside the pool."
        )
    return prefix, dns


def _interfaces(value: Any, field: str, known: set[str], errors: dict[str, list[str]]) -> list:
    chosen = [str(v) for v in (value or []) if str(v).strip()]
    if not chosen:
        errors.setdefault(field, []).append("Choose at least one interface.")
    unknown = [name for name in chosen if name not in known]
    if unknown:
        errors.setdefault(field, []).append(
            f"Not on this router: {', '.join(unknown)}. Refresh the interfaces if they are new."
        )
    return chosen


def validate_service_config(
    data: dict[str, Any],
    *,
    interfaces: set[str],
    radius_servers: dict[int, RadiusEndpoint],
    portal_url: str = "",
) -> dict[str, Any]:
    """Return the normalised desired configuration or raise ValidationError with field errors.

    `radius_servers`: this account's active servers by id, as the router must reach them.
    `portal_url`: where the router's login page sends customers (and what the walled garden
    lets them reach before paying)."""
    if not isinstance(data, dict):
        raise ValidationError("Send an object with the hotspot, pppoe and radius sections.")
    errors: dict[str, list[str]] = {}
    sections = {name: data.get(name) or {} for name in ("hotspot", "pppoe", "radius")}
    for name, section in sections.items():
        if not isinstance(section, dict):  # a form field's text, a list: never a section
            errors[name] = ["Give an object of this section's settings (send JSON)."]
    if errors:
        raise ValidationError(errors)
    hotspot, pppoe, radius = sections["hotspot"], sections["pppoe"], sections["radius"]
    config: dict[str, Any] = {}
    if not hotspot.get("enabled") and not pppoe.get("enabled"):
        errors["services"] = ["Enable the hotspot, PPPoE, or both."]
    if hotspot.get("enabled"):
        methods = [m for m in hotspot.get("login_methods") or DEFAULT_LOGIN_METHODS]
        bad = [m for m in methods if m not in LOGIN_METHODS]
        if bad:
            errors["hotspot.login_methods"] = [f"Unknown login method(s): {', '.join(bad)}."]
        lan = _interfaces(hotspot.get("interfaces"), "hotspot.interfaces", interfaces, errors)
        prefix, dns = _hotspot_network(hotspot, errors)
        config["hotspot"] = {
            "interfaces": lan,
            "portal_title": str(hotspot.get("portal_title") or "WiFi")[:100],
            "login_methods": methods,
            "address_pool": _range(hotspot.get("address_pool"), "hotspot.address_pool", errors),
            "gateway": _address(hotspot.get("gateway"), "hotspot.gateway", errors),
            "prefix": prefix,
            "dns_servers": dns,
            "lease_time": _duration(hotspot.get("lease_time"), "1h", "hotspot.lease_time", errors),
            # How long the router remembers a logged-in device (cookie, mac-cookie); RouterOS's
            # default. Each return is a RADIUS login: an expired customer is refused all the same.
            "cookie_lifetime": _duration(
                hotspot.get("cookie_lifetime"), "3d", "hotspot.cookie_lifetime", errors
            ),
            "wan_interface": _wan(
                hotspot.get("wan_interface"), "hotspot.wan_interface", interfaces, lan, errors
            ),
            "portal_url": portal_url,
        }
    if pppoe.get("enabled"):
        service_name = str(pppoe.get("service_name") or "").strip()
        if not service_name or not service_name.replace("-", "").replace("_", "").isalnum():
            errors["pppoe.service_name"] = ["Use letters, digits, '-' or '_'."]
        config["pppoe"] = {
            "interfaces": _interfaces(
                pppoe.get("interfaces"), "pppoe.interfaces", interfaces, errors
            ),
            "service_name": service_name,
            "pool_range": _range(pppoe.get("pool_range"), "pppoe.pool_range", errors),
            "local_address": _address(pppoe.get("local_address"), "pppoe.local_address", errors),
            # Walled subscribers' web traffic goes to its renew page (provisioning.pppoe_plan).
            "portal_url": portal_url,
        }
        if pppoe.get("wan_interface"):  # the hotspot's is used too; PPPoE alone may name one
            config["pppoe"]["wan_interface"] = _wan(
                pppoe["wan_interface"],
                "pppoe.wan_interface",
                interfaces,
                config["pppoe"]["interfaces"],
                errors,
            )
    if radius.get("enabled"):
        server_id = radius.get("server_id")
        if isinstance(server_id, bool) or not isinstance(server_id, int):
            server_id = None  # an id is a number: an object or a list is none of the servers
        if server_id not in radius_servers:
            errors["radius.server_id"] = ["Choose one of this account's RADIUS servers."]
        secret = str(radius.get("secret") or "")
        if len(secret) < 8:
            errors["radius.secret"] = ["Use a shared secret of at least 8 characters."]
        endpoint = radius_servers.get(server_id) or RadiusEndpoint("", 1812, 1813)
        config["radius"] = {
            "server_id": server_id,
            "address": endpoint.address,
            "auth_port": endpoint.auth_port,
            "acct_port": endpoint.acct_port,
            "secret_encrypted": encrypt(secret) if secret else "",
        }
    if errors:
        raise ValidationError(errors)
    return config
