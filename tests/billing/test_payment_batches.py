"""A burst of payments is settled in batches, each payment exactly once and in arrival order.

Callbacks go through the real view; the inbox's drain and ProcessPayment's batch runner (the
payments cluster's own code, radtik.jobs.batch) run in this process, against the real database,
channel layer and RADIUS agent.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import (
    Customer,
    DarajaSettings,
    Package,
    Payment,
    PaymentCallback,
    PaymentDay,
    Subscription,
)
from billing.services import amount_mismatch, payments_settle
from billing.tasks import ProcessPayment, callbacks_drain, process_payments
from radius.client import agent_client_for
from radtik.audit.models import AuditEntry
from radtik.events import group_name
from radtik.jobs.batch import batch_run
from radtik.jobs.models import Job
from radtik.jobs.runner import run_job
from radtik.notifications.models import Notification
from tests.billing.support import callback, post_callback
from tests.support.events import GroupListener
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


# -- settling set-based ----------------------------------------------------------------------------
_serial = itertools.count()
SETTLING_ACTIONS = [
    "subscription.create",
    "subscription.extend",
    "subscription.reconnect",
    "payment.completed",
    "payment.failed",
    "payment.flagged",
]


def paid(shop, phones: list[str], **fields) -> list[Payment]:
    """One payment per phone whose success callback was matched, as the batch finds them."""
    values = {"result_code": "0", "paid_amount": 50, "resolved_via": "callback", **fields}
    made = []
    for phone in phones:
        n = next(_serial)
        made.append(
            Payment(
                package=fields.get("package", shop["package"]),
                phone=phone,
                amount=50,
                checkout_request_id=f"ws_CO_set_{n}",
                receipt=f"QST{n:07d}",
                **{k: v for k, v in values.items() if k != "package"},
            )
        )
    with schema_context("alpha"):
        return Payment.objects.bulk_create(made)


def mixed(shop, n: int, prefix: str) -> list[Payment]:
    """`n` payments: most paid by a phone of their own, one phone paying twice, one cancelled
    at the phone, one underpaid."""
    phones = [f"2547{prefix}{i:05d}" for i in range(n - 3)]
    return [
        *paid(shop, [*phones, phones[0]]),
        *paid(shop, [f"2547{prefix}99998"], result_code="1032", paid_amount=None),
        *paid(shop, [f"2547{prefix}99999"], paid_amount=49),
    ]


def batch_queries(payments: list[Payment]) -> int:
    """The statements ProcessPayment's batch runs for `payments`: settled, then access."""
    jobs = [Job(params={"payment_id": payment.pk}) for payment in payments]
    with schema_context("alpha"), CaptureQueriesContext(connection) as queries:
        outcomes = process_payments(jobs)
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    return len(queries)


def test_settling_a_batch_costs_no_more_statements_per_payment(shop):
    """Each step is one statement for the batch (locks, customers, subscriptions, payments,
    audit rows, counters, receipts), however many payments it holds."""
    batch_queries(mixed(shop, 4, "130"))  # first: what a worker reads once and keeps
    small = batch_queries(mixed(shop, 5, "131"))
    payments = mixed(shop, 50, "132")
    large = batch_queries(payments)
    assert large <= small + 5, (small, large)
    with schema_context("alpha"):
        completed = Payment.objects.filter(pk__in=[p.pk for p in payments], status="completed")
        keys = [f"receipt:payment:{pk}" for pk in completed.values_list("pk", flat=True)]
        assert len(keys) == 48 and Notification.objects.filter(dedupe_key__in=keys).count() == 48
    # Run again (a redelivery): nothing changes, no second receipt.
    batch_queries(payments)
    with schema_context("alpha"):
        assert completed.count() == 48
        assert Notification.objects.filter(dedupe_key__in=keys).count() == 48
        assert Subscription.objects.filter(customer__phone__startswith="2547132").count() == 47


def test_a_mixed_batch_settles_each_payment_as_it_would_alone(
    shop, tenants, django_capture_on_commit_callbacks
):
    """Renewal, a phone paying twice, a cancelled and an underpaid payment and one settled
    before, in one batch: each gets its own status, reason, audit entries, counts and events,
    in the callbacks' order."""
    with schema_context("alpha"):
        regular = Customer.objects.create(phone="254713000001")
        ends_at = timezone.now() + timedelta(minutes=30)
        renewed = Subscription.objects.create(
            customer=regular,
            package=shop["package"],
            username="mprenew01",
            password="pw-renew",
            starts_at=timezone.now() - timedelta(minutes=30),
            ends_at=ends_at,
        )
    # Someone else's phone pays for the regular's account (the portal's renew page).
    (renewal,) = paid(shop, ["254713000002"], subscription=renewed, renewal=True)
    twice = [
        *paid(shop, ["254713000003"], mac_address="AA:BB:CC:00:00:01"),
        *paid(shop, ["254713000003"], mac_address="AA:BB:CC:00:00:02"),
    ]
    (cancelled,) = paid(
        shop, ["254713000004"], result_code="1032", result_desc="Cancelled", paid_amount=None
    )
    (underpaid,) = paid(shop, ["254713000005"], paid_amount=49)
    (done,) = paid(shop, ["254713000006"], status="completed")
    order = [renewal, twice[0], cancelled, twice[1], underpaid, done]
    operators = GroupListener(group_name(tenants["alpha"].pk, "payments"))
    with operators, schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        settled = payments_settle(payment_ids=[p.pk for p in order])
    assert [settled[p.pk].status for p in order] == [
        "completed", "completed", "failed", "completed", "flagged", "completed"
    ]  # fmt: skip
    assert "cancelled" in settled[cancelled.pk].status_reason
    assert settled[underpaid.pk].status_reason == amount_mismatch(Decimal(49), Decimal(50))
    assert operators.wait_for("payment.failed")["payload"]["id"] == cancelled.pk
    assert operators.wait_for("payment.flagged")["payload"]["id"] == underpaid.pk
    with schema_context("alpha"):
        now = Payment.objects.get(pk=renewal.pk).processed_at
        assert Payment.objects.get(pk=done.pk).processed_at is None  # left as it was
        renewed.refresh_from_db()
        assert renewed.ends_at == ends_at + timedelta(hours=1)
        assert settled[renewal.pk].customer == regular
        assert not Customer.objects.filter(phone="254713000002").exists()
        made = Subscription.objects.get(customer__phone="254713000003")
        assert (made.starts_at, made.ends_at) == (now, now + timedelta(hours=2))
        assert {settled[p.pk].subscription_id for p in twice} == {made.pk}
        assert made.customer.mac_addresses == ["AA:BB:CC:00:00:01", "AA:BB:CC:00:00:02"]
        assert made.customer.last_payment_at == now
        entries = AuditEntry.objects.filter(action__in=SETTLING_ACTIONS).order_by("id")
        assert [(entry.action, int(entry.object_id)) for entry in entries] == [
            ("subscription.extend", renewed.pk),
            ("payment.completed", renewal.pk),
            ("subscription.create", made.pk),
            ("payment.completed", twice[0].pk),
            ("payment.failed", cancelled.pk),
            ("subscription.extend", made.pk),
            ("payment.completed", twice[1].pk),
            ("payment.flagged", underpaid.pk),
        ]
        at = DjangoJSONEncoder().default
        extended = entries.get(action="subscription.extend", object_id=str(made.pk))
        assert extended.changes == {
            "status": {"old": None, "new": "active"},
            "ends_at": {"old": at(now + timedelta(hours=1)), "new": at(now + timedelta(hours=2))},
        }
        assert entries.get(action="payment.failed").changes == {
            "status": {"old": "pending", "new": "failed"},
            "reason": settled[cancelled.pk].status_reason,
        }
        day = PaymentDay.objects.get(package=shop["package"])
        assert (day.completed, day.failed, day.flagged, day.income) == (3, 1, 1, 150)


def drained_queries(tenant_client, shop, bodies: list[str]) -> int:
    """Store `bodies` as Daraja's callbacks; the statements one drain takes to match them all."""
    for body in bodies:
        response = post_callback(tenant_client, "alpha", shop["secret"], body, drain=False)
        assert response.status_code == 200, response.content
    with CaptureQueriesContext(connection) as queries:
        callbacks_drain("alpha")
    return len(queries)


def test_a_drained_batch_matches_each_callback_as_it_would_alone(tenant_client, shop):
    """Copies, an unknown ID, a receipt used twice and an underpaid amount in one batch: each
    callback gets the outcome it would alone, in arrival order, with one job per payment; and
    the batch costs about the same statements at 5 callbacks as at 50."""
    paid, reused, cancelled, short = (
        pending(shop, f"ws_CO_drain_{n}", f"25471400000{n}") for n in range(4)
    )
    bodies = [
        callback(paid.checkout_request_id, receipt="QDR0000001"),
        callback(paid.checkout_request_id, receipt="QDR0000001"),  # Daraja's copy
        callback("ws_CO_nobody_here", receipt="QDR0000009"),
        callback(reused.checkout_request_id, receipt="QDR0000001"),  # another payment's receipt
        callback(cancelled.checkout_request_id, code=1032),
        callback(short.checkout_request_id, amount=49.0, receipt="QDR0000004"),
    ]
    drained_queries(tenant_client, shop, bodies)
    with schema_context("alpha"):
        outcomes = list(PaymentCallback.objects.order_by("id").values_list("outcome", flat=True))
        assert outcomes == ["accepted", "duplicate", "unknown", "accepted", "accepted", "accepted"]
        states = {p.pk: p for p in Payment.objects.all()}
        assert states[paid.pk].receipt == "QDR0000001" and states[paid.pk].status == "pending"
        assert states[reused.pk].status == "flagged" and states[reused.pk].receipt is None
        assert "QDR0000001 was already used" in states[reused.pk].status_reason
        assert states[cancelled.pk].result_code == "1032"
        assert states[short.pk].status_reason == amount_mismatch(Decimal(49), Decimal(50))
        jobs = Job.objects.filter(kind=ProcessPayment.name)
        assert sorted(jobs.values_list("params__payment_id", flat=True)) == sorted(
            [paid.pk, reused.pk, cancelled.pk, short.pk]
        )
        assert set(jobs.values_list("target_repr", flat=True)) >= {str(paid)}
        audited = AuditEntry.objects.filter(action="payment.result.callback")
        assert sorted(int(pk) for pk in audited.values_list("object_id", flat=True)) == sorted(
            [paid.pk, reused.pk, cancelled.pk, short.pk]
        )
        # Matched twice (a drain run again): nothing changes.
        callbacks_drain("alpha")
        assert Job.objects.filter(kind=ProcessPayment.name).count() == 4

    def many(prefix: str, count: int) -> list[str]:
        return [
            callback(pending(shop, f"ws_CO_{prefix}_{n}", f"2547150{prefix}{n:03d}")
                     .checkout_request_id, receipt=f"Q{prefix}{n:07d}")
            for n in range(count)
        ]  # fmt: skip

    small = drained_queries(tenant_client, shop, many("51", 5))
    large = drained_queries(tenant_client, shop, many("52", 50))
    assert large <= small + 5, (small, large)
