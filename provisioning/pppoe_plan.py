"""The walled garden of PPPoE subscribers who must renew (billing.lifecycle).

A walled subscriber's RADIUS reply carries Mikrotik-Address-List=radtik-renew, so the router
puts its address on that list while it is logged in. These rules (MikroTik's usual "expired
users" recipe) then send its web requests to the router's proxy, which answers every one with a
redirect to the portal's renew page, let DNS and the portal through, and drop everything else.
The proxy answers only addresses on the list.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from billing.choices import RENEW_ADDRESS_LIST
from provisioning.plan import PREFIX, Item

ALLOWED_LIST = f"{RENEW_ADDRESS_LIST}-allowed"
PROXY_PORT = "8080"


def renew_url(portal_url: str) -> str:
    return urljoin(portal_url, "renew/")


def renew_items(pppoe: dict[str, Any]) -> list[Item]:
    portal_url = pppoe.get("portal_url") or ""
    host = (urlsplit(portal_url).hostname or "").lower()
    if not host:
        return []  # saved before the portal was known: no wall, walled users just browse
    target = renew_url(portal_url)
    # redirect-to as MikroTik's manual writes it: host and path, no scheme (unverified on a
    # real router whether a scheme is accepted; the portal answers http as well).
    redirect_to = target.split("://", 1)[-1]

    def rule(path: str, name: str, fields: dict[str, str]) -> Item:
        comment = f"{PREFIX}-renew-{name}"
        return Item(path, {"comment": comment}, {**fields, "comment": comment})

    not_allowed = f"!{ALLOWED_LIST}"
    return [
        rule("/ip/firewall/address-list", "portal", {"list": ALLOWED_LIST, "address": host}),
        Item("/ip/proxy", {}, {"enabled": "true", "port": PROXY_PORT}, singleton=True),
        rule("/ip/proxy/access", "redirect", {"action": "deny", "redirect-to": redirect_to}),
        rule(
            "/ip/firewall/nat",
            "redirect",
            {
                "chain": "dstnat",
                "src-address-list": RENEW_ADDRESS_LIST,
                "dst-address-list": not_allowed,
                "protocol": "tcp",
                "dst-port": "80",
                "action": "redirect",
                "to-ports": PROXY_PORT,
            },
        ),
        # Only walled subscribers may use the proxy (it would otherwise be an open proxy).
        rule(
            "/ip/firewall/filter",
            "proxy-guard",
            {
                "chain": "input",
                "protocol": "tcp",
                "dst-port": PROXY_PORT,
                "src-address-list": f"!{RENEW_ADDRESS_LIST}",
                "action": "drop",
            },
        ),
        rule(
            "/ip/firewall/filter",
            "dns",
            {
                "chain": "forward",
                "src-address-list": RENEW_ADDRESS_LIST,
                "protocol": "udp",
                "dst-port": "53",
                "action": "accept",
            },
        ),
        rule(
            "/ip/firewall/filter",
            "wall",
            {
                "chain": "forward",
                "src-address-list": RENEW_ADDRESS_LIST,
                "dst-address-list": not_allowed,
                "action": "drop",
            },
        ),
    ]
