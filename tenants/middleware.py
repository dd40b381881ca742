"""Resolve the tenant from the Host header; answer unknown, suspended or unready tenants clearly."""

from __future__ import annotations

import copy
import threading
import time
import zoneinfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.choices import TenantStatus

STATUS_PAGES = {
    TenantStatus.SUSPENDED: (
        403,
        "This account is suspended",
        "Contact your radtik provider to restore access.",
    ),
    TenantStatus.PROVISIONING: (
        503,
        "This account is being set up",
        "It will be ready in a moment; reload this page shortly.",
    ),
    TenantStatus.FAILED: (
        503,
        "This account could not be set up",
        "Your radtik provider has been told and can retry the setup.",
    ),
}


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def error_response(request: HttpRequest, status: int, title: str, detail: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": f"{title}. {detail}"}, status=status)
    html = render_to_string("error.html", {"title": title, "detail": detail, "status": status})
    return HttpResponse(html, status=status)


# hostname -> (expires at, active tenant). Looking the domain up cost two of a callback's five
# statements; a cached tenant saves them. Only active tenants are cached, so one that becomes
# usable is served at once; a suspension reaches other processes within TENANT_CACHE_SECONDS.
_active_tenants: dict[str, tuple[float, object]] = {}
_lock = threading.Lock()


def tenant_cache_clear(**_: object) -> None:
    with _lock:
        _active_tenants.clear()


class RadtikTenantMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model, hostname: str):
        hit = _active_tenants.get(hostname)
        if hit is not None and hit[0] > time.monotonic():
            return copy.copy(hit[1])  # a request may set attributes on its own tenant
        tenant = super().get_tenant(domain_model, hostname)
        if tenant.status == TenantStatus.ACTIVE and settings.TENANT_CACHE_SECONDS > 0:
            with _lock:
                expires = time.monotonic() + settings.TENANT_CACHE_SECONDS
                _active_tenants[hostname] = (expires, copy.copy(tenant))
        return tenant

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        response = super().process_request(request)
        if response is not None:
            return response
        tenant = request.tenant
        if tenant.is_public:
            timezone.deactivate()
            return None
        if tenant.status == TenantStatus.ACTIVE:
            # Pages and forms read and show times in the tenant's zone; the thread serves other
            # tenants next, so process_response puts UTC back.
            timezone.activate(zoneinfo.ZoneInfo(tenant.time_zone))
            return None
        status, title, detail = STATUS_PAGES[tenant.status]
        return error_response(request, status, title, detail)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        timezone.deactivate()
        return response

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        return error_response(
            request, 404, "Unknown address", f"No radtik account is served at {hostname}."
        )
