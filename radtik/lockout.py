"""What a client locked out by django-axes sees: one clear sentence, JSON on the API."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from tenants.middleware import error_response


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    response = error_response(
        request,
        429,
        "Too many failed logins",
        f"This user is locked for {minutes} minutes after {settings.AXES_FAILURE_LIMIT} wrong "
        "passwords from your address. Wait, or ask an administrator to unlock it.",
    )
    response["Retry-After"] = str(minutes * 60)
    return response
