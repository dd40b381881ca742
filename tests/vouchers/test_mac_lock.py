"""MAC lock: a voucher of a locked profile works only on the first device it logs in from.
Real qcluster, agent and FreeRADIUS; the router is the simulated NAS, which sends the device's
MAC as Calling-Station-Id as a MikroTik hotspot does."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from radius.services import radius_server_create
from tests.support.jobs import wait_job
from vouchers.models import Voucher
from vouchers.services import batch_sync

pytestmark = pytest.mark.usefixtures("live_db", "qcluster")

PHONE, LAPTOP = "AA:BB:CC:00:00:01", "AA:BB:CC:00:00:02"
REFUSED = "This voucher works only on the device it was first used on"


@pytest.fixture(params=["sqlite", "postgresql"])
def agent(request, radius_agent):
    """FreeRADIUS reads the lock from either store the agent keeps."""
    if request.param == "sqlite":
        return radius_agent()
    return radius_agent(request.getfixturevalue("radius_postgres_url"))


@pytest.fixture
def operator(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "ops", role="admin"))


def synced_voucher(client, agent, *, name: str, mac_lock: bool) -> Voucher:
    with schema_context("alpha"):
        server = radius_server_create(
            name=f"radius-{name}", host="127.0.0.1", api_base_url=agent.url, token=agent.token
        ).server
    profile = client.post(
        "/api/voucher-profiles/",
        {"name": name, "time_limit": 3600, "price": "10", "mac_lock": mac_lock},
        content_type="application/json",
    )
    assert profile.status_code == 201, profile.content
    assert profile.json()["mac_lock"] is mac_lock
    made = client.post(
        "/api/voucher-batches/",
        {"profile": profile.json()["id"], "radius_server": server.pk, "count": 1},
        content_type="application/json",
    ).json()
    assert wait_job(made["job"]["id"], timeout=60).status == "succeeded"
    with schema_context("alpha"):
        return Voucher.objects.get(batch_id=made["batch"]["id"])


def test_a_locked_voucher_logs_in_only_from_its_first_device(
    operator, agent, freeradius, simulated_nas
):
    locked = synced_voucher(operator, agent, name="locked hour", mac_lock=True)
    nas = simulated_nas(freeradius(agent))

    first = nas.login(locked.username, locked.password, mac=PHONE)
    assert first.accepted, first.message
    nas.logout(first.session)
    # Another device with the same code: refused by FreeRADIUS, with the reason on the page.
    other = nas.login(locked.username, locked.password, mac=LAPTOP)
    assert not other.accepted and other.message == REFUSED
    # The first device still comes back, also after the voucher is written to RADIUS again.
    with schema_context("alpha"):
        resync = batch_sync(batch=locked.batch)
    assert wait_job(resync.pk, timeout=60).status == "succeeded"
    back = nas.login(locked.username, locked.password, mac=PHONE)
    assert back.accepted, back.message
    nas.logout(back.session)
    assert not nas.login(locked.username, locked.password, mac=LAPTOP).accepted


def test_an_unlocked_voucher_moves_between_devices(
    operator, radius_agent, freeradius, simulated_nas
):
    agent = radius_agent()
    free = synced_voucher(operator, agent, name="free hour", mac_lock=False)
    nas = simulated_nas(freeradius(agent))
    first = nas.login(free.username, free.password, mac=PHONE)
    assert first.accepted, first.message
    nas.logout(first.session)
    assert nas.login(free.username, free.password, mac=LAPTOP).accepted
