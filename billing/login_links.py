"""Where the portal's one-tap login link sends a paid customer's username and password.

MikroTik's login page passes its own login URL as `link-login-only`; anyone can craft a portal
link with another one, so only this account's hotspots are accepted: the configured login URL's
host, a router's address, or a hotspot gateway of a router's service configuration.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from provisioning.models import RouterConfig
from routers.models import Router


def portal_login_url(*, requested: str, default: str) -> str:
    """`requested` when it names one of this account's hotspots, else `default`."""
    try:
        parts = urlsplit(requested.strip())
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return default
    if parts.scheme in ("http", "https") and host and host in hotspot_hosts(default=default):
        return requested.strip()
    return default


def hotspot_hosts(*, default: str) -> set[str]:
    hosts = {(urlsplit(default).hostname or "").lower()}
    hosts.update(host.lower() for host in Router.objects.values_list("host", flat=True))
    gateways = RouterConfig.objects.values_list("config__hotspot__gateway", flat=True)
    hosts.update(str(gateway).lower() for gateway in gateways if gateway)
    return hosts - {""}


def link_orig(value: str) -> str:
    """Where the customer was going (the router's $(link-orig)), sent back to the router as
    `dst` after login: a web address only."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return ""
    return value.strip()[:1000] if parts.scheme in ("http", "https") and parts.hostname else ""
