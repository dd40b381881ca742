"""One bad callback never blocks the payments behind it; unauthenticated requests leave nothing.

Callbacks go through the real view; the drain runs in this process (the payments cluster's own
code), inside the test's transaction.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from billing.inbox import MAX_ATTEMPTS, inbox_refused_count
from billing.models import Payment, PaymentCallback
from billing.services import payment_settle
from billing.tasks import ProcessPayment, callbacks_drain
from radtik.jobs.models import Job
from radtik.redis_client import redis_client, redis_key
from tests.billing.support import FAIL_PAYMENT_UPDATE, callback, post_callback

pytestmark = pytest.mark.django_db(transaction=False)


def stk(checkout: str, **changes) -> str:
    """A successful callback for `checkout` with some of its values replaced."""
    body = json.loads(callback(checkout))
    stk = body["Body"]["stkCallback"]
    for item in stk["CallbackMetadata"]["Item"]:
        if item["Name"] in changes:
            item["Value"] = changes[item["Name"]]
    if "ResultCode" in changes:
        stk["ResultCode"] = changes["ResultCode"]
    return json.dumps(body)


def pending_payment(setup, checkout: str) -> Payment:
    with schema_context("alpha"):
        return Payment.objects.create(
            package=setup["alpha"]["package"],
            phone="254712345678",
            amount=50,
            checkout_request_id=checkout,
        )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"MpesaReceiptNumber": "Q" * 40}, "MpesaReceiptNumber must be 1-30"),
        ({"Amount": 1e20}, "Amount is out of range"),
        ({"ResultCode": 10**20}, "ResultCode 100000000000000000000 is out of range"),
    ],
)
def test_out_of_range_value_is_rejected_when_stored_and_blocks_nothing(
    setup, tenant_client, changes, reason
):
    secret = setup["alpha"]["config"].callback_secret
    pending_payment(setup, "ws_CO_after")
    bad = post_callback(tenant_client, "alpha", secret, stk("ws_CO_alpha_1", **changes))
    assert bad.status_code == 400
    assert bad.json()["ResultCode"] == 1 and reason in bad.json()["ResultDesc"]
    good = post_callback(
        tenant_client, "alpha", secret, stk("ws_CO_after", MpesaReceiptNumber="QAB1C2D3E5")
    )
    assert good.status_code == 200
    with schema_context("alpha"):
        rejected = PaymentCallback.objects.get(outcome="malformed")
        assert reason in rejected.error
        assert Payment.objects.get(checkout_request_id="ws_CO_alpha_1").status == "pending"
        after = PaymentCallback.objects.get(checkout_request_id="ws_CO_after")
        assert after.outcome == "accepted"


def test_request_without_the_secret_stores_nothing_but_a_count(setup, tenant_client):
    redis_client().delete(redis_key("billing", "refused", "alpha"))
    big = json.dumps({"padding": "x" * 60_000})
    answers = [
        post_callback(tenant_client, "alpha", "wrong-secret", big, drain=False) for _ in range(20)
    ]
    assert {a.status_code for a in answers} == {404}
    assert answers[0].json() == {"ResultCode": 1, "ResultDesc": "Rejected: unknown callback secret"}
    with schema_context("alpha"):
        assert not PaymentCallback.objects.exists()
    assert inbox_refused_count("alpha") == 20


def test_refused_requests_are_counted_on_the_callbacks_page(setup, tenant_client, make_user):
    redis_client().delete(redis_key("billing", "refused", "alpha"))
    for _ in range(3):
        post_callback(tenant_client, "alpha", "wrong", "{}", drain=False)
    page = tenant_client("alpha", make_user("alpha", "viewer")).get("/billing/callbacks/")
    assert "3 requests refused in about the last day" in page.content.decode()


@pytest.mark.parametrize("depth", [12, 6000])  # 6000: past json's own recursion limit
def test_deeply_nested_json_answers_400(setup, tenant_client, depth):
    secret = setup["alpha"]["config"].callback_secret
    body = '{"Body":' * depth + "1" + "}" * depth
    response = post_callback(tenant_client, "alpha", secret, body)
    assert response.status_code == 400
    assert "nested deeper than 10" in response.json()["ResultDesc"]
    with schema_context("alpha"):
        assert PaymentCallback.objects.get().outcome == "malformed"


def test_string_result_code_fails_the_payment_with_its_message(setup, tenant_client):
    secret = setup["alpha"]["config"].callback_secret
    body = json.loads(callback("ws_CO_alpha_1", code=1))
    body["Body"]["stkCallback"].update(
        ResultCode="SFC_IC0003", ResultDesc="Operator does not exist"
    )
    response = post_callback(tenant_client, "alpha", secret, json.dumps(body))
    assert response.status_code == 200
    with schema_context("alpha"):
        payment = payment_settle(payment_id=setup["alpha"]["payment"].pk)
        assert payment.status == "failed" and payment.result_code == "SFC_IC0003"
        assert payment.result_desc == "Operator does not exist"
        assert payment.status_reason == "The payment did not go through. Please try again."


def test_callback_that_keeps_failing_is_set_aside_and_retried(setup, tenant_client, make_user):
    """A row whose matching fails in the database (here a trigger refuses its payment's update)
    is skipped, retried by later drains, then needs attention; the rows behind it go on."""
    secret = setup["alpha"]["config"].callback_secret
    pending_payment(setup, "ws_CO_poison")
    pending_payment(setup, "ws_CO_after")
    with schema_context("alpha"), connection.cursor() as cursor:
        cursor.execute(FAIL_PAYMENT_UPDATE)
    for checkout, receipt in [
        ("ws_CO_alpha_1", "QAB1C2D3E1"),
        ("ws_CO_poison", "QAB1C2D3E2"),
        ("ws_CO_after", "QAB1C2D3E3"),
    ]:
        body = stk(checkout, MpesaReceiptNumber=receipt)
        assert post_callback(tenant_client, "alpha", secret, body, drain=False).status_code == 200
    assert callbacks_drain("alpha") == 2
    with schema_context("alpha"):
        outcomes = dict(PaymentCallback.objects.values_list("checkout_request_id", "outcome"))
        assert outcomes == {
            "ws_CO_alpha_1": "accepted",
            "ws_CO_poison": "received",
            "ws_CO_after": "accepted",
        }
        assert Job.objects.filter(kind=ProcessPayment.name).count() == 2
    for _ in range(MAX_ATTEMPTS - 1):
        assert callbacks_drain("alpha") == 0  # later drains try it again
    with schema_context("alpha"):
        poison = PaymentCallback.objects.get(checkout_request_id="ws_CO_poison")
        assert poison.outcome == "quarantine" and poison.attempts == MAX_ATTEMPTS
        assert "payment row refused by a test trigger" in poison.error
    assert callbacks_drain("alpha") == 0  # set aside: no more tries

    operator = tenant_client("alpha", make_user("alpha", "ops", role="operator"))
    payments = operator.get("/billing/payments/").content.decode()
    assert "1 callback needs attention" in payments
    page = operator.get("/billing/callbacks/").content.decode()
    assert "Needs attention" in page and "payment row refused by a test trigger" in page
    api = operator.get("/api/payments/callbacks/?outcome=quarantine").json()
    assert [row["checkout_request_id"] for row in api["results"]] == ["ws_CO_poison"]

    viewer = tenant_client("alpha", make_user("alpha", "viewer"))
    assert viewer.post(f"/api/payments/callbacks/{poison.pk}/retry/").status_code == 403
    with schema_context("alpha"), connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_refuse_update ON alpha.billing_payment")
    retried = operator.post(f"/billing/callbacks/{poison.pk}/retry/")
    assert retried.status_code == 302
    assert callbacks_drain("alpha") == 1
    with schema_context("alpha"):
        assert PaymentCallback.objects.get(pk=poison.pk).outcome == "accepted"
        assert Payment.objects.get(checkout_request_id="ws_CO_poison").resolved_via == "callback"
    again = operator.post(f"/api/payments/callbacks/{poison.pk}/retry/")
    assert again.status_code == 400
    assert "does not need attention" in again.json()["detail"]
