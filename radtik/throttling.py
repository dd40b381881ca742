"""Rate limits per client address on the endpoints anyone can call: the API token endpoint and
the captive portal's payment initiation and status.

Rates come from settings.THROTTLE_RATES at each request (operators set them in the environment)
and are counted in the shared cache (Redis), so every web process sees the same counts.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from radtik.client_ip import client_ip


class AddressThrottle(SimpleRateThrottle):
    def get_rate(self) -> str:
        return settings.THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class TokenThrottle(AddressThrottle):
    scope = "auth-token"


class PaymentInitiateThrottle(AddressThrottle):
    scope = "portal-initiate"


class PaymentStatusThrottle(AddressThrottle):
    scope = "portal-status"


def throttled_for(throttle: AddressThrottle, request) -> int | None:
    """Seconds to wait if `request` is over `throttle`'s rate, else None (for non-DRF pages)."""
    if throttle.allow_request(request, None):
        return None
    return max(1, int(throttle.wait() or 1))
