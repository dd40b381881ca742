"""Web processes reuse an active tenant looked up by host name; a suspension still gets through."""

from __future__ import annotations

import time

import pytest
import requests
from django.conf import settings

from tenants.choices import TenantStatus
from tenants.services import tenant_set_status

pytestmark = pytest.mark.usefixtures("live_db")


def test_suspension_reaches_a_running_web_process_within_the_cache_time(daphne_server, tenants):
    url = f"http://127.0.0.1:{daphne_server}/login/"
    alpha = {"Host": "alpha.localhost"}
    assert requests.get(url, headers=alpha, timeout=10).status_code == 200  # now cached there
    tenant_set_status(tenant=tenants["alpha"], status=TenantStatus.SUSPENDED)
    try:
        suspended_at = time.monotonic()
        deadline = suspended_at + settings.TENANT_CACHE_SECONDS + 3
        while (status := requests.get(url, headers=alpha, timeout=10).status_code) == 200:
            assert time.monotonic() < deadline, "still served as active past the cache time"
            time.sleep(0.2)
        assert status == 403
    finally:
        tenant_set_status(tenant=tenants["alpha"], status=TenantStatus.ACTIVE)
    # Only active tenants are cached: reactivation is served at once.
    assert requests.get(url, headers=alpha, timeout=10).status_code == 200
