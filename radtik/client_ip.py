"""The client's address, as login lockouts (django-axes) and API throttles count it."""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind PROXY_COUNT proxies the address the outermost one saw: each proxy
    appends what it saw to X-Forwarded-For, so entries left of those are the client's own say."""
    request = getattr(request, "_request", request)  # a DRF Request wraps the HttpRequest
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.PROXY_COUNT and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(settings.PROXY_COUNT, len(hops))]
    return request.META.get("REMOTE_ADDR", "")
