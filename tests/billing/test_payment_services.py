"""Payment rules against the real database, the Daraja simulator and a simulated router.

Callbacks go through the real view (tenant host, raw body); jobs are run in this process with
the real runner, so the retry bookkeeping is the cluster's own.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.access import subscriptions_cleanup_pending, subscriptions_expire_due
from billing.models import DarajaSettings, Package, Payment, PaymentCallback, Subscription
from billing.services import payment_settle
from billing.tasks import ProcessPayment, ProvisionRouterUser, callbacks_drain
from radtik.jobs.models import Job
from radtik.jobs.runner import run_job
from routers.models import Router
from tests.billing.support import callback, post_callback

pytestmark = pytest.mark.django_db(transaction=False)


def test_callback_is_answered_before_it_is_matched(setup, tenant_client):
    secret = setup["alpha"]["config"].callback_secret
    response = post_callback(tenant_client, "alpha", secret, callback("ws_CO_alpha_1"), drain=False)
    assert response.json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    with schema_context("alpha"):
        waiting = PaymentCallback.objects.get()
        assert waiting.outcome == "received" and waiting.payment is None
        assert Payment.objects.get().status == "pending"
        assert not Job.objects.filter(kind=ProcessPayment.name).exists()
    assert callbacks_drain("alpha") == 1
    with schema_context("alpha"):
        matched = PaymentCallback.objects.get()
        assert matched.outcome == "accepted" and matched.payment_id == setup["alpha"]["payment"].pk
        assert Job.objects.filter(kind=ProcessPayment.name).count() == 1
    assert callbacks_drain("alpha") == 0


def test_duplicate_callback_creates_one_payment_and_one_subscription(setup, tenant_client):
    secret = setup["alpha"]["config"].callback_secret
    body = callback("ws_CO_alpha_1")
    answers = [post_callback(tenant_client, "alpha", secret, body) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    with schema_context("alpha"):
        outcomes = sorted(PaymentCallback.objects.values_list("outcome", flat=True))
        assert outcomes == ["accepted", "duplicate", "duplicate"]
        assert Job.objects.filter(kind=ProcessPayment.name).count() == 1
        payment_id = setup["alpha"]["payment"].pk
        first = payment_settle(payment_id=payment_id)
        again = payment_settle(payment_id=payment_id)
        assert first.status == again.status == "completed"
        assert Subscription.objects.count() == 1
        assert Payment.objects.get(pk=payment_id).receipt == "QAB1C2D3E4"


def test_cancelled_payment_fails_without_subscription(setup, tenant_client):
    secret = setup["alpha"]["config"].callback_secret
    post_callback(tenant_client, "alpha", secret, callback("ws_CO_alpha_1", code=1032))
    with schema_context("alpha"):
        payment = payment_settle(payment_id=setup["alpha"]["payment"].pk)
        assert payment.status == "failed" and payment.result_code == "1032"
        assert "cancelled" in payment.status_reason
        assert not Subscription.objects.exists()


def test_amount_mismatch_is_flagged_without_access(setup, tenant_client):
    secret = setup["alpha"]["config"].callback_secret
    post_callback(tenant_client, "alpha", secret, callback("ws_CO_alpha_1", amount=5.0))
    with schema_context("alpha"):
        payment = payment_settle(payment_id=setup["alpha"]["payment"].pk)
        assert payment.status == "flagged" and payment.paid_amount == Decimal("5.00")
        assert "KES 5.00" in payment.status_reason
        assert not Subscription.objects.exists()
        assert not Job.objects.filter(kind=ProvisionRouterUser.name).exists()


@pytest.mark.parametrize(
    ("body", "status", "outcome"),
    [
        ("{not json", 400, "malformed"),
        ('{"Body": {"stkCallback": {"ResultCode": "x"}}}', 400, "malformed"),
        ("[]", 400, "malformed"),
        (callback("ws_CO_nobody"), 200, "unknown"),
    ],
)
def test_malformed_or_unknown_callback_is_stored_never_500(
    setup, tenant_client, body, status, outcome
):
    secret = setup["alpha"]["config"].callback_secret
    response = post_callback(tenant_client, "alpha", secret, body)
    assert response.status_code == status
    with schema_context("alpha"):
        stored = PaymentCallback.objects.get()
        assert stored.outcome == outcome and stored.body == body
        assert Payment.objects.get().status == "pending"
        assert not Job.objects.filter(kind=ProcessPayment.name).exists()


def test_callback_to_tenant_a_never_touches_tenant_b(setup, tenant_client):
    alpha_secret = setup["alpha"]["config"].callback_secret
    beta_secret = setup["beta"]["config"].callback_secret
    # B's CheckoutRequestID on A's URL: unknown on A.
    assert (
        post_callback(tenant_client, "alpha", alpha_secret, callback("ws_CO_beta_1")).status_code
        == 200
    )
    # B's secret on A's host: refused, and not stored.
    assert (
        post_callback(tenant_client, "alpha", beta_secret, callback("ws_CO_beta_1")).status_code
        == 404
    )
    with schema_context("alpha"):
        assert list(PaymentCallback.objects.values_list("outcome", flat=True)) == ["unknown"]
    with schema_context("beta"):
        payment = Payment.objects.get()
        assert payment.status == "pending" and payment.resolved_via == ""
        assert not PaymentCallback.objects.exists()
        assert not Job.objects.exists()


def test_allow_list_refuses_other_addresses(setup, tenant_client):
    config = setup["alpha"]["config"]
    with schema_context("alpha"):
        DarajaSettings.objects.filter(pk=config.pk).update(enforce_ip_allowlist=True)
    response = post_callback(
        tenant_client, "alpha", config.callback_secret, callback("ws_CO_alpha_1")
    )
    assert response.status_code == 403
    with schema_context("alpha"):
        assert not PaymentCallback.objects.exists()  # counted, not stored
        assert Payment.objects.get().resolved_via == ""


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"package_id": 1, "phone_number": "12345"}, "phone_number"),
        ({"package_id": 999999, "phone_number": "0712345678"}, "package_id"),
        ({"package_id": 1, "phone_number": "0712345678", "mac_address": "zz"}, "mac_address"),
    ],
)
def test_initiate_rejects_bad_phone_and_unknown_package(setup, tenant_client, data, field):
    data = dict(data)
    if data["package_id"] == 1:
        data["package_id"] = setup["alpha"]["package"].pk
    for url in ("/api/payments/initiate", "/api/payments/initiate/"):
        response = tenant_client("alpha").post(url, data, content_type="application/json")
        assert response.status_code == 400, response.content
        assert field in response.json()
    with schema_context("alpha"):
        assert Payment.objects.count() == 1  # only the fixture's


def test_portal_shows_the_phone_error(setup, tenant_client):
    response = tenant_client("alpha").post(
        "/portal/", {"package_id": setup["alpha"]["package"].pk, "phone_number": "0812"}
    )
    assert response.status_code == 400
    assert "not a Kenyan mobile number" in response.content.decode()


def test_initiate_pushes_and_query_resolves_a_lost_callback(setup, tenant_client, daraja_sim):
    daraja_sim.scenario(deliver=False)
    with schema_context("alpha"):
        DarajaSettings.objects.update(
            base_url=daraja_sim.base_url,
            shortcode=daraja_sim.credentials.shortcode,
            passkey=daraja_sim.credentials.passkey,
            consumer_key=daraja_sim.credentials.consumer_key,
            consumer_secret=daraja_sim.credentials.consumer_secret,
        )
    response = tenant_client("alpha").post(
        "/api/payments/initiate",
        {"package_id": setup["alpha"]["package"].pk, "phone_number": "0712 345 678"},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending" and body["topic"] == f"payment.{body['token']}"
    status = tenant_client("alpha").get(f"/api/payments/status/{body['token']}/")
    assert status.json()["checkout_request_id"] == body["checkout_request_id"]
    with schema_context("alpha"):
        from billing.tasks import reconcile_payments

        job = Job.objects.create(kind="billing.reconcile", params={"older_than_seconds": 0})
        from radtik.jobs.context import JobContext

        counts = reconcile_payments(JobContext(job=job, schema_name="alpha"))
        assert counts["resolved"] == 1
        payment = Payment.objects.get(token=body["token"])
        assert payment.resolved_via == "query" and payment.result_code == "0"
        settled = payment_settle(payment_id=payment.pk)
        assert settled.status == "completed" and settled.subscription is not None


def test_router_user_created_on_third_attempt_after_two_faults(setup, routeros_router):
    fault = {"/ip/hotspot/user/add": None}
    routeros_router.faults.trap_on = dict(fault)
    with schema_context("alpha"):
        Router.objects.filter(name="alpha-r1").update(api_port=routeros_router.port)
        payment = setup["alpha"]["payment"]
        Payment.objects.filter(pk=payment.pk).update(
            result_code=0, paid_amount=50, resolved_via="callback"
        )
        payment_settle(payment_id=payment.pk)
        job = Job.objects.get(kind=ProvisionRouterUser.name)
        delays = []
        for attempt in (1, 2, 3):
            if attempt == 3:
                routeros_router.faults.clear()
            outcome = run_job("alpha", job.pk, attempt)
            job.refresh_from_db()
            if job.next_attempt_at:
                delays.append(round((job.next_attempt_at - timezone.now()).total_seconds()))
            assert outcome == ("succeeded" if attempt == 3 else "retrying"), job.error
        assert delays == [5, 15]
        subscription = Subscription.objects.get()
        assert subscription.router_state == "synced"
    users = [
        row
        for row in routeros_router.state.rows("/ip/hotspot/user")
        if row["name"] == subscription.username
    ]
    assert len(users) == 1 and users[0]["password"] == subscription.password

    # Paying again extends: the same user is updated, not duplicated.
    with schema_context("alpha"):
        from billing.services import subscription_activate

        subscription_activate(
            customer=subscription.customer, package=subscription.package, now=timezone.now()
        )
        second = Job.objects.filter(kind=ProvisionRouterUser.name).exclude(pk=job.pk).get()
        assert run_job("alpha", second.pk, 1) == "succeeded"
        assert Subscription.objects.get().ends_at > subscription.ends_at
    users = [
        row
        for row in routeros_router.state.rows("/ip/hotspot/user")
        if row["name"] == subscription.username
    ]
    assert len(users) == 1

    # Expiry removes the router user.
    with schema_context("alpha"):
        assert subscriptions_expire_due(now=timezone.now() + timedelta(days=1)) == 1
        assert subscriptions_cleanup_pending() == (1, [])
        assert Subscription.objects.get().status == "expired"
    assert not [
        row
        for row in routeros_router.state.rows("/ip/hotspot/user")
        if row["name"] == subscription.username
    ]


def test_pppoe_package_on_a_local_user_router_gets_a_ppp_secret(setup, routeros_router):
    """A PPPoE package becomes a /ppp/secret (service pppoe, the package's PPP profile), not a
    hotspot user; paying again updates it; expiry removes it."""
    with schema_context("alpha"):
        Router.objects.filter(name="alpha-r1").update(api_port=routeros_router.port)
        Package.objects.filter(pk=setup["alpha"]["package"].pk).update(
            service="pppoe", router_profile="pppoe-10M"
        )
        payment = setup["alpha"]["payment"]
        Payment.objects.filter(pk=payment.pk).update(
            result_code=0, paid_amount=50, resolved_via="callback"
        )
        payment_settle(payment_id=payment.pk)
        job = Job.objects.get(kind=ProvisionRouterUser.name)
        assert run_job("alpha", job.pk, 1) == "succeeded", Job.objects.get(pk=job.pk).error
        subscription = Subscription.objects.get()

    def secrets() -> list[dict]:
        rows = routeros_router.state.rows("/ppp/secret")
        return [row for row in rows if row["name"] == subscription.username]

    assert [(s["password"], s["profile"], s["service"]) for s in secrets()] == [
        (subscription.password, "pppoe-10M", "pppoe")
    ]
    assert not [
        row
        for row in routeros_router.state.rows("/ip/hotspot/user")
        if row["name"] == subscription.username
    ]
    with schema_context("alpha"):
        from billing.services import subscription_activate

        subscription_activate(
            customer=subscription.customer, package=subscription.package, now=timezone.now()
        )
        again = Job.objects.filter(kind=ProvisionRouterUser.name).exclude(pk=job.pk).get()
        assert run_job("alpha", again.pk, 1) == "succeeded"
    assert len(secrets()) == 1

    with schema_context("alpha"):
        assert subscriptions_expire_due(now=timezone.now() + timedelta(days=1)) == 1
        assert subscriptions_cleanup_pending() == (1, [])
    assert secrets() == []
