"""Stage 4: the operator's service choices, validated into a declarative desired configuration."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.core.exceptions import ValidationError

from radtik.crypto import encrypt

LOGIN_METHODS = ("mac", "http-chap", "https", "http-pap", "cookie")


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
    data: dict[str, Any], *, interfaces: set[str], radius_servers: dict[int, str]
) -> dict[str, Any]:
    """Return the normalised desired configuration or raise ValidationError with field errors."""
    errors: dict[str, list[str]] = {}
    hotspot = data.get("hotspot") or {}
    pppoe = data.get("pppoe") or {}
    radius = data.get("radius") or {}
    config: dict[str, Any] = {}
    if not hotspot.get("enabled") and not pppoe.get("enabled"):
        errors["services"] = ["Enable the hotspot, PPPoE, or both."]
    if hotspot.get("enabled"):
        methods = [m for m in hotspot.get("login_methods") or ["http-chap"]]
        bad = [m for m in methods if m not in LOGIN_METHODS]
        if bad:
            errors["hotspot.login_methods"] = [f"Unknown login method(s): {', '.join(bad)}."]
        config["hotspot"] = {
            "interfaces": _interfaces(
                hotspot.get("interfaces"), "hotspot.interfaces", interfaces, errors
            ),
            "portal_title": str(hotspot.get("portal_title") or "WiFi")[:100],
            "login_methods": methods,
            "address_pool": _range(hotspot.get("address_pool"), "hotspot.address_pool", errors),
            "gateway": _address(hotspot.get("gateway"), "hotspot.gateway", errors),
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
        }
    if radius.get("enabled"):
        server_id = radius.get("server_id")
        if server_id not in radius_servers:
            errors["radius.server_id"] = ["Choose one of this account's RADIUS servers."]
        secret = str(radius.get("secret") or "")
        if len(secret) < 8:
            errors["radius.secret"] = ["Use a shared secret of at least 8 characters."]
        config["radius"] = {
            "server_id": server_id,
            "address": radius_servers.get(server_id, ""),
            "secret_encrypted": encrypt(secret) if secret else "",
        }
    if errors:
        raise ValidationError(errors)
    return config
