"""Who is on the other end of a websocket, resolved inside the tenant's schema.

channels' own get_user runs with no tenant set, so it would look users up in the wrong schema.
Every ORM call here runs in one sync function under schema_context (see ARCHITECTURE, traps).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django_tenants.utils import get_public_schema_name, remove_www, schema_context

from tenants.choices import TenantStatus
from tenants.models import Domain

# Topics an anonymous client (a captive-portal page) may watch, registered by the apps that
# publish them (anonymous_topic_register); each must name an unguessable token.
_ANONYMOUS_TOPICS: list[re.Pattern[str]] = []


@dataclass(frozen=True)
class Peer:
    schema_name: str
    tenant_id: int | None  # None on the base domain (system admins)
    user_id: int | None  # None: an anonymous captive-portal client (portal topics only)
    is_system_admin: bool


class Refused(Exception):
    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code = code


def _header(scope: dict, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


class _SessionRequest:
    """The part of an HttpRequest that django.contrib.auth.get_user reads."""

    def __init__(self, session_key: str | None):
        engine = import_module(settings.SESSION_ENGINE)
        self.session = engine.SessionStore(session_key)


def anonymous_topic_register(pattern: re.Pattern[str]) -> None:
    """Let clients that have not logged in watch topics matching `pattern` (in full)."""
    _ANONYMOUS_TOPICS.append(pattern)


def is_portal_topic(topic: str) -> bool:
    return any(pattern.fullmatch(topic) for pattern in _ANONYMOUS_TOPICS)


def resolve_peer(scope: dict, *, allow_anonymous: bool = False) -> Peer:
    """`allow_anonymous`: the client asks only for portal topics; on a tenant host it may then
    connect without logging in."""
    hostname = remove_www(_header(scope, b"host").split(":")[0])
    with schema_context(get_public_schema_name()):
        domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    if domain is None:
        raise Refused(4404, f"No radtik account is served at {hostname}")
    tenant = domain.tenant
    if not tenant.is_public and tenant.status != TenantStatus.ACTIVE:
        raise Refused(4403, f"This account is {tenant.status}")
    cookies = SimpleCookie(_header(scope, b"cookie"))
    morsel = cookies.get(settings.SESSION_COOKIE_NAME)
    with schema_context(tenant.schema_name):
        user = get_user(_SessionRequest(morsel.value if morsel else None))
        if not user.is_authenticated or not user.is_active:
            if allow_anonymous and not tenant.is_public:
                return Peer(tenant.schema_name, tenant.pk, None, False)
            raise Refused(4401, "Log in first")
        return Peer(
            schema_name=tenant.schema_name,
            tenant_id=None if tenant.is_public else tenant.pk,
            user_id=user.pk,
            is_system_admin=tenant.is_public and user.is_staff,
        )
