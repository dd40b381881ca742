"""Data limits as MikroTik reads them in the Access-Accept: Gigawords * 4 GiB + Total-Limit.

Vouchers and M-Pesa packages alike, from radtik through the RADIUS agent to real FreeRADIUS."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from billing.models import Package, Payment
from billing.tasks import ProcessPayment
from radtik.jobs.models import Job
from radtik.jobs.runner import run_job
from tests.support.jobs import wait_job
from tests.support.radius import agent_server
from vouchers.models import Voucher

GIB = 2**30
# bytes -> (Mikrotik-Total-Limit, Mikrotik-Total-Limit-Gigawords or None)
LIMITS = {
    4 * GIB: ("0", "1"),
    4 * GIB - 1: (str(4 * GIB - 1), None),
    4 * GIB + 1: ("1", "1"),
}


def limits_of(accept) -> tuple[str | None, str | None]:
    attributes = accept.attributes
    return attributes.get("Mikrotik-Total-Limit"), attributes.get("Mikrotik-Total-Limit-Gigawords")


@pytest.mark.usefixtures("live_db", "qcluster")
def test_voucher_of_exactly_4_gib_is_gigawords_1_plus_0(
    make_user, tenant_client, radius_agent, freeradius
):
    client = tenant_client("alpha", make_user("alpha", "ops", role="admin"))
    agent = radius_agent()
    server = agent_server(agent)
    for data_limit in LIMITS:
        profile = client.post(
            "/api/voucher-profiles/",
            {"name": f"{data_limit} bytes", "data_limit": data_limit, "price": "20"},
            content_type="application/json",
        )
        assert profile.status_code == 201, profile.content
        batch = client.post(
            "/api/voucher-batches/",
            {"profile": profile.json()["id"], "radius_server": server.pk, "count": 1},
            content_type="application/json",
        )
        assert batch.status_code == 202, batch.content
        assert wait_job(batch.json()["job"]["id"], timeout=60).status == "succeeded"
    radius = freeradius(agent)
    with schema_context("alpha"):
        vouchers = list(Voucher.objects.select_related("batch__profile"))
    assert len(vouchers) == len(LIMITS)
    for voucher in vouchers:
        accept = radius.auth(voucher.username, voucher.password)
        assert accept.accepted, radius.tail()
        assert limits_of(accept) == LIMITS[voucher.batch.profile.data_limit]


@pytest.mark.django_db
def test_package_of_exactly_4_gib_is_gigawords_1_plus_0(tenants, radius_agent, freeradius):
    agent = radius_agent()
    server = agent_server(agent)
    with schema_context("alpha"):
        package = Package.objects.create(
            name="4 GiB", price=50, validity_seconds=3600, data_limit=4 * GIB, radius_server=server
        )
        payment = Payment.objects.create(
            package=package,
            phone="254712345678",
            amount=50,
            checkout_request_id="ws_CO_4gib",
            result_code=0,
            paid_amount=50,
            resolved_via="callback",
        )
        job = Job.objects.create(kind=ProcessPayment.name, params={"payment_id": payment.pk})
        assert run_job("alpha", job.pk, 1) == "succeeded", Job.objects.get(pk=job.pk).error
        subscription = Payment.objects.get(pk=payment.pk).subscription
    radius = freeradius(agent)
    accept = radius.auth(subscription.username, subscription.password)
    assert accept.accepted, radius.tail()
    assert limits_of(accept) == ("0", "1")
