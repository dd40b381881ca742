"""The router page in a real browser: CPU, memory and traffic of a watched router change as its
checks arrive over the websocket, with no reload and no request from the page."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from routers.models import RouterHealth
from tenants.models import Tenant
from tests.routers.health_support import INTERVAL, deployed_router, wait_health
from tests.support.browser import live, requests_while_idle, wait_for_text

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")


@pytest.fixture
def watched(tenants, routeros_router):
    Tenant.objects.filter(slug="alpha").update(router_health_interval=INTERVAL)
    router = deployed_router(routeros_router, "edge-live")
    wait_health(router.pk, "online")
    yield router
    Tenant.objects.filter(slug="alpha").update(router_health_interval=30)
    with schema_context("alpha"):
        RouterHealth.objects.all().delete()  # nothing left to watch: the sweep's chain ends


def text(page, router_id: int, what: str) -> str:
    return page.inner_text(f"#router-{router_id}-{what}")


def test_router_page_shows_live_cpu_memory_and_traffic_without_reload(
    tenant_page, watched, routeros_router
):
    page = tenant_page("alpha", role="viewer")
    page.goto(f"/routers/{watched.pk}/")
    live(page)
    page.evaluate("window.__notReloaded = true")
    routeros_router.state.cpu_load = 77
    wait_for_text(page, f"#router-{watched.pk}-cpu", "77%")
    memory, traffic = text(page, watched.pk, "memory"), text(page, watched.pk, "traffic")
    assert "free of 1.0" in memory  # the simulator's 1 GiB
    routeros_router.state.cpu_load = 12
    wait_for_text(page, f"#router-{watched.pk}-cpu", "12%")
    # The simulator's free memory and byte counters move between checks: a few checks on, the
    # page shows other figures than it had.
    page.wait_for_function(
        "([id, memory, traffic]) =>"
        " document.querySelector(`#router-${id}-memory`).textContent !== memory &&"
        " document.querySelector(`#router-${id}-traffic`).textContent !== traffic",
        arg=[watched.pk, memory, traffic],
    )
    assert "↓" in text(page, watched.pk, "traffic")
    assert page.evaluate("window.__notReloaded") is True
    routeros_router.state.cpu_load = None
    assert requests_while_idle(page, 2 * INTERVAL) == []
