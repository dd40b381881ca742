"""A burst of payments is settled in batches, each payment exactly once and in arrival order.

Callbacks go through the real view; the inbox's drain and ProcessPayment's batch runner (the
payments cluster's own code, radtik.jobs.batch) run in this process, against the real database,
channel layer and RADIUS agent.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import DarajaSettings, Package, Payment, PaymentCallback, Subscription
from billing.tasks import ProcessPayment, callbacks_drain
from radius.client import agent_client_for
from radtik.jobs.batch import batch_run
from radtik.jobs.models import Job
from radtik.jobs.runner import run_job
from tests.billing.support import callback, post_callback
from tests.support.radius import agent_server

pytestmark = pytest.mark.django_db

# Settling payment ws_CO_batch_poison is refused by the database (the real code path, no mock).
REFUSE_SETTLING = """
CREATE FUNCTION alpha.test_refuse_settle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'payment settling refused by a test trigger'; END $$;
CREATE TRIGGER test_refuse_settle BEFORE UPDATE ON alpha.billing_payment FOR EACH ROW
WHEN (OLD.checkout_request_id = 'ws_CO_batch_poison' AND NEW.status <> 'pending')
EXECUTE FUNCTION alpha.test_refuse_settle();
"""


@pytest.fixture
def shop(tenants, radius_agent):
    """Alpha sells a 50-shilling hour on a RADIUS server (a real agent)."""
    agent = radius_agent()
    server = agent_server(agent)
    with schema_context("alpha"):
        config = DarajaSettings.objects.create(
            shortcode="174379", passkey="p", consumer_key="k", consumer_secret="s"
        )
        package = Package.objects.create(
            name="1 hour", price=50, validity_seconds=3600, radius_server=server
        )
    return {"secret": config.callback_secret, "package": package, "server": server}


def pending(shop, checkout: str, phone: str) -> Payment:
    with schema_context("alpha"):
        return Payment.objects.create(
            package=shop["package"], phone=phone, amount=50, checkout_request_id=checkout
        )


def burst(tenant_client, shop, payments: list[Payment]) -> None:
    """Every payment's success callback stored, then matched by the inbox's drain."""
    for n, payment in enumerate(payments):
        body = callback(payment.checkout_request_id, receipt=f"QBT{n:07d}")
        response = post_callback(tenant_client, "alpha", shop["secret"], body, drain=False)
        assert response.status_code == 200
    callbacks_drain("alpha")


def test_a_burst_is_settled_in_one_batch_each_payment_once(tenant_client, shop):
    payments = [pending(shop, f"ws_CO_batch_{n}", f"2547120000{n:02d}") for n in range(12)]
    burst(tenant_client, shop, payments)
    # Daraja sends the first payment's callback again: a duplicate, never a second job.
    body = callback(payments[0].checkout_request_id, receipt="QBT0000000")
    post_callback(tenant_client, "alpha", shop["secret"], body)
    with schema_context("alpha"):
        assert batch_run(ProcessPayment.name, "alpha") == 12
        jobs = Job.objects.filter(kind=ProcessPayment.name)
        assert set(jobs.values_list("status", "attempts")) == {("succeeded", 1)}
        assert jobs.count() == 12
        settled = Payment.objects.select_related("subscription").filter(
            pk__in=[p.pk for p in payments]
        )
        assert {p.status for p in settled} == {"completed"}
        usernames = {p.subscription.username for p in settled}
        assert len(usernames) == 12 and Subscription.objects.count() == 12
        assert set(Subscription.objects.values_list("radius_state", flat=True)) == {"synced"}
        assert PaymentCallback.objects.filter(outcome="duplicate").count() == 1
    with agent_client_for(shop["server"]) as agent:
        for username in usernames:
            assert agent.get_user(username) is not None


def test_two_payments_of_one_customer_in_one_batch_extend_one_subscription(tenant_client, shop):
    first, second = (pending(shop, f"ws_CO_batch_same_{n}", "254712345678") for n in (1, 2))
    before = timezone.now()
    burst(tenant_client, shop, [first, second])
    with schema_context("alpha"):
        assert batch_run(ProcessPayment.name, "alpha") == 2
        subscription = Subscription.objects.get()
        assert subscription.ends_at >= before + timedelta(hours=2)
        assert subscription.ends_at <= timezone.now() + timedelta(hours=2)
        paid = Payment.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")
        assert [(p.status, p.subscription_id) for p in paid] == [
            ("completed", subscription.pk),
            ("completed", subscription.pk),
        ]
        # Settled in the callbacks' order: the first created the subscription.
        assert paid[0].processed_at == paid[1].processed_at
        assert subscription.starts_at <= paid[0].processed_at


def test_a_payment_that_cannot_be_settled_never_holds_back_its_batch(tenant_client, shop):
    payments = [pending(shop, f"ws_CO_batch_{n}", f"2547120001{n:02d}") for n in range(3)]
    poison = pending(shop, "ws_CO_batch_poison", "254712000199")
    with connection.cursor() as cursor:
        cursor.execute(REFUSE_SETTLING)
    burst(tenant_client, shop, [payments[0], poison, *payments[1:]])
    with schema_context("alpha"):
        assert batch_run(ProcessPayment.name, "alpha") == 4
        statuses = dict(Payment.objects.values_list("checkout_request_id", "status"))
        assert statuses.pop("ws_CO_batch_poison") == "pending"
        assert set(statuses.values()) == {"completed"}
        job = Job.objects.get(kind=ProcessPayment.name, params__payment_id=poison.pk)
        assert job.status == "queued" and "refused by a test trigger" in job.error
        assert job.next_attempt_at is not None  # retried after the policy's delay, alone
        assert batch_run(ProcessPayment.name, "alpha") == 0
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_refuse_settle ON alpha.billing_payment")
        assert run_job("alpha", job.pk, 2) == "succeeded"
        assert Payment.objects.get(pk=poison.pk).status == "completed"


def test_jobs_of_a_batch_runner_that_died_are_run_again(tenant_client, shop):
    payments = [pending(shop, f"ws_CO_batch_dead_{n}", f"2547120002{n:02d}") for n in range(2)]
    burst(tenant_client, shop, payments)
    with schema_context("alpha"):
        jobs = Job.objects.filter(kind=ProcessPayment.name)
        # What a runner killed mid-batch leaves: claimed, running, its lease run out.
        jobs.update(status="running", attempts=1, next_attempt_at=timezone.now())
        assert batch_run(ProcessPayment.name, "alpha") == 2
        assert sorted(jobs.values_list("status", "attempts")) == [("succeeded", 2)] * 2
        lines = Job.objects.get(pk=jobs[0].pk).log_lines.values_list("message", flat=True)
        assert any("interrupted" in line for line in lines)
        assert set(Payment.objects.values_list("status", flat=True)) == {"completed"}
