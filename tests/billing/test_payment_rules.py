"""Payment rules as operators and customers see them: what grants access, what is flagged, and
what a job that gives up leaves behind.

Callbacks go through the real view and the inbox's drain; ProcessPayment and the router
provisioning run through the real runner in this process (the cluster's own code), against the
real database, channel layer, RADIUS agent and router simulator.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Customer, DarajaSettings, Package, Payment, Subscription
from billing.tasks import ProcessPayment, ProvisionRouterUser
from radius.services import radius_server_create
from radius.testing.agent import free_port
from radtik.events import group_name
from radtik.jobs.models import Job
from radtik.jobs.runner import run_job
from radtik.jobs.services import job_enqueue
from radtik.realtime.fragments import fragment_render
from routers.models import Router
from tests.billing.support import callback, post_callback
from tests.support.events import GroupListener
from tests.support.jobs import wait_job

PRICE = 50


@pytest.fixture
def shop(tenants):
    """Alpha sells a 50-shilling hour through a local-user router; two pending payments from
    the same phone."""
    with schema_context("alpha"):
        config = DarajaSettings.objects.create(
            shortcode="174379", passkey="p", consumer_key="k", consumer_secret="s"
        )
        router = Router.objects.create(
            name="hs-1", host="127.0.0.1", api_username="admin", api_password="admin"
        )
        package = Package.objects.create(
            name="1 hour", price=PRICE, validity_seconds=3600, router=router
        )
        payments = [
            Payment.objects.create(
                package=package,
                phone="254712345678",
                amount=PRICE,
                checkout_request_id=f"ws_CO_rules_{n}",
            )
            for n in (1, 2)
        ]
    return {"secret": config.callback_secret, "package": package, "payments": payments}


def listen(tenants, payment: Payment) -> GroupListener:
    """What the operators' payments page and this payment's portal page receive."""
    tenant_id = tenants["alpha"].pk
    return GroupListener(group_name(tenant_id, "payments"), group_name(tenant_id, payment.topic))


def pay(tenant_client, shop, payment: Payment, *, amount: float, receipt: str) -> Payment:
    """Daraja's success callback for `payment`, matched, then its ProcessPayment job run."""
    body = callback(payment.checkout_request_id, amount=amount, receipt=receipt)
    assert post_callback(tenant_client, "alpha", shop["secret"], body).status_code == 200
    with schema_context("alpha"):
        for job in Job.objects.filter(kind=ProcessPayment.name, params__payment_id=payment.pk):
            assert run_job("alpha", job.pk, job.attempts + 1) == "succeeded", job.error
        return Payment.objects.select_related("subscription").get(pk=payment.pk)


def portal_status(tenant_client, payment: Payment) -> str:
    return tenant_client("alpha").get(f"/api/payments/status/{payment.token}/").json()["status"]


# -- what grants access ----------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("amount", [50, 50.0])
def test_exact_price_grants_access(shop, tenant_client, amount):
    paid = pay(tenant_client, shop, shop["payments"][0], amount=amount, receipt="QEX1C2D3E4")
    assert paid.status == "completed" and paid.subscription is not None
    assert portal_status(tenant_client, paid) == "completed"


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [49, 51, 5000, 1, 49.999, 50.004, 50.01])
def test_policy_exact_price_only_any_other_amount_is_flagged_without_access(
    shop, tenant_client, tenants, django_capture_on_commit_callbacks, amount
):
    """The policy: access for exactly the package's price, nothing else. More or less than the
    price (even a fraction the amount column would round away) is flagged for the operator to
    refund or grant by hand."""
    payment = shop["payments"][0]
    with listen(tenants, payment) as heard, django_capture_on_commit_callbacks(execute=True):
        paid = pay(tenant_client, shop, payment, amount=amount, receipt="QMM1C2D3E4")
    assert paid.status == "flagged", paid.status_reason
    said = re.search(r"Paid KES ([\d.]+),", paid.status_reason)
    assert said and Decimal(said.group(1)) == Decimal(str(amount)), paid.status_reason
    assert "no access granted" in paid.status_reason
    with schema_context("alpha"):
        assert not Subscription.objects.exists()
        assert not Job.objects.filter(kind=ProvisionRouterUser.name).exists()
    assert portal_status(tenant_client, paid) == "flagged"
    operators = heard.wait_for("payment.flagged", topic="payments")
    assert operators["payload"]["status"] == "flagged"
    assert heard.wait_for("payment.flagged", topic=payment.topic)["payload"]["status"] == "flagged"


# -- receipts --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_reused_receipt_is_flagged_and_grants_access_once(
    shop, tenant_client, tenants, make_user, django_capture_on_commit_callbacks
):
    first, second = shop["payments"]
    paid = pay(tenant_client, shop, first, amount=PRICE, receipt="QRU1C2D3E4")
    assert paid.status == "completed"
    ends_at = paid.subscription.ends_at

    with listen(tenants, second) as heard, django_capture_on_commit_callbacks(execute=True):
        reused = pay(tenant_client, shop, second, amount=PRICE, receipt="QRU1C2D3E4")
    assert reused.status == "flagged" and reused.subscription is None
    assert "QRU1C2D3E4 was already used" in reused.status_reason
    with schema_context("alpha"):
        assert Subscription.objects.get().ends_at == ends_at  # not extended by the reuse
        assert Payment.objects.filter(receipt="QRU1C2D3E4").get().pk == first.pk
        assert Job.objects.filter(kind=ProvisionRouterUser.name).count() == 1  # the first payment's
    cashier = tenant_client("alpha", make_user("alpha", "cashier", role="admin"))
    flagged = cashier.get("/api/payments/?status=flagged").json()
    assert [p["id"] for p in flagged["results"]] == [second.pk]
    # The operators' list and the customer's page are told at once, not at the next reload.
    assert heard.wait_for("payment.flagged", topic="payments")["payload"]["id"] == second.pk
    assert heard.wait_for("payment.flagged", topic=second.topic)["payload"]["status"] == "flagged"
    assert portal_status(tenant_client, reused) == "flagged"


# -- settling twice --------------------------------------------------------------------------------
@pytest.mark.usefixtures("live_db", "qcluster")
def test_settling_the_same_payment_twice_extends_access_once(tenants, routeros_router):
    """A customer with an hour left pays again; two ProcessPayment runs of that payment (a
    redelivery, an operator's retry) race each other: the hour is added once."""
    with schema_context("alpha"):
        router = Router.objects.create(
            name="hs-1",
            host=routeros_router.host,
            api_port=routeros_router.port,
            api_username="admin",
            api_password="admin",
        )
        package = Package.objects.create(
            name="1 hour", price=PRICE, validity_seconds=3600, router=router
        )
        customer = Customer.objects.create(phone="254712345678")
        ends_at = timezone.now() + timedelta(hours=1)
        Subscription.objects.create(
            customer=customer,
            package=package,
            username="HSTWICE01",
            password="pw-twice",
            starts_at=timezone.now(),
            ends_at=ends_at,
        )
        payment = Payment.objects.create(
            package=package,
            phone=customer.phone,
            amount=PRICE,
            checkout_request_id="ws_CO_twice",
            result_code=0,
            paid_amount=PRICE,
            resolved_via="callback",
            receipt="QTW1C2D3E4",
        )
        jobs = [
            job_enqueue(
                kind=ProcessPayment,
                target=payment,
                params={"payment_id": payment.pk},
                foreground=True,
            )
            for _ in range(2)
        ]
    start = threading.Barrier(len(jobs))
    outcomes: list[str] = []

    def run(job_id: int) -> None:
        try:
            start.wait(10)
            outcomes.append(run_job("alpha", job_id, 1))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job.pk,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes == ["succeeded", "succeeded"]
    with schema_context("alpha"):
        subscription = Subscription.objects.get()
        assert subscription.ends_at == ends_at + timedelta(hours=1)
        assert Payment.objects.get().status == "completed"
        (provision,) = Job.objects.filter(
            kind=ProvisionRouterUser.name
        )  # the router user updated once
    assert wait_job(provision.pk).status == "succeeded"
    users = routeros_router.state.find("/ip/hotspot/user", name="HSTWICE01")
    assert [user["password"] for user in users] == ["pw-twice"]


# -- when access cannot be set up ------------------------------------------------------------------
def give_up(tenants, operator, job: Job, payment: Payment, capture, event: str) -> None:
    """Every attempt of `job` fails: the payment says so to operators, live and in the API, and
    the customer's page gets no credentials that would not work."""
    with listen(tenants, payment) as heard, capture(execute=True):
        outcomes = [run_job("alpha", job.pk, n) for n in range(1, job.max_attempts + 1)]
    assert outcomes == ["retrying"] * (job.max_attempts - 1) + ["failed"]
    listed = operator.get(f"/api/payments/{payment.pk}/").json()
    assert listed["status"] == "completed"
    assert listed["status_reason"].startswith("Paid, but access could not be set up")
    assert "could not be set up" in heard.wait_for(event, topic="payments")["payload"]["reason"]
    portal = fragment_render(heard.wait_for(event, topic=payment.topic))
    assert "data-password" not in portal and "could not set up your access" in portal


def only_subscription(client) -> dict:
    (subscription,) = client.get("/api/subscriptions/").json()["results"]
    return subscription


@pytest.mark.django_db
def test_payment_whose_radius_write_gives_up_shows_why_and_a_retry_grants_access(
    shop, tenant_client, tenants, make_user, radius_agent, django_capture_on_commit_callbacks
):
    """billing.process_payment's on_failed: the subscription shows why, operators and the
    customer's page are told, no credentials are handed out that RADIUS would refuse; once the
    cause is fixed, retrying the job grants access."""
    with schema_context("alpha"):
        server = radius_server_create(
            name="radius-1", host="127.0.0.1", api_base_url=f"http://127.0.0.1:{free_port()}"
        ).server
        Package.objects.filter(pk=shop["package"].pk).update(router=None, radius_server=server)
    payment = shop["payments"][0]
    body = callback(payment.checkout_request_id, amount=PRICE, receipt="QGU1C2D3E4")
    post_callback(tenant_client, "alpha", shop["secret"], body)
    with schema_context("alpha"):
        job = Job.objects.get(kind=ProcessPayment.name)
    operator = tenant_client("alpha", make_user("alpha", "noc", role="operator"))
    give_up(
        tenants, operator, job, payment, django_capture_on_commit_callbacks, "payment.access_failed"
    )
    subscription = only_subscription(operator)
    assert subscription["radius_state"] == "failed"
    assert "unreachable" in subscription["last_error"], subscription["last_error"]
    page = tenant_client("alpha").get(f"/portal/p/{payment.token}/").content.decode()
    assert "data-password" not in page and "could not set up your access" in page

    agent = radius_agent()
    with schema_context("alpha"):
        server.api_base_url, server.auth_token = agent.url, agent.token
        server.save()
    assert operator.post(f"/api/jobs/{job.pk}/retry/").status_code == 202
    with listen(tenants, payment) as heard, django_capture_on_commit_callbacks(execute=True):
        assert run_job("alpha", job.pk, 1) == "succeeded"
    subscription = only_subscription(operator)
    assert subscription["radius_state"] == "synced"
    assert agent.call("GET", f"/users/{subscription['username']}").status_code == 200
    assert operator.get(f"/api/payments/{payment.pk}/").json()["status_reason"] == ""
    completed = heard.wait_for("payment.completed", topic=payment.topic)
    assert "data-password" in fragment_render(completed)


@pytest.mark.django_db
def test_router_user_that_cannot_be_created_shows_why_and_a_retry_creates_it(
    shop, tenant_client, tenants, make_user, routeros_router, django_capture_on_commit_callbacks
):
    """billing.provision_router_user's on_failed, on a local-user router that refuses."""
    with schema_context("alpha"):
        Router.objects.filter(pk=shop["package"].router_id).update(api_port=routeros_router.port)
    routeros_router.faults.trap_on["/ip/hotspot/user/add"] = None
    payment = shop["payments"][0]
    paid = pay(tenant_client, shop, payment, amount=PRICE, receipt="QRF1C2D3E4")
    assert paid.status == "completed"
    with schema_context("alpha"):
        job = Job.objects.get(kind=ProvisionRouterUser.name)
    operator = tenant_client("alpha", make_user("alpha", "noc", role="operator"))
    give_up(
        tenants,
        operator,
        job,
        payment,
        django_capture_on_commit_callbacks,
        "user.provisioning_failed",
    )
    subscription = only_subscription(operator)
    assert subscription["router_state"] == "failed"
    assert "simulated fault" in subscription["last_error"], subscription["last_error"]

    routeros_router.faults.clear()
    assert operator.post(f"/api/jobs/{job.pk}/retry/").status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        assert run_job("alpha", job.pk, 1) == "succeeded"
    subscription = only_subscription(operator)
    assert subscription["router_state"] == "synced" and subscription["last_error"] == ""
    assert routeros_router.state.find("/ip/hotspot/user", name=subscription["username"])
    page = tenant_client("alpha").get(f"/portal/p/{payment.token}/").content.decode()
    assert "data-password" in page
