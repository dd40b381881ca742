"""What queues the accounting.disconnect job: every state change that takes access away, in its
own transaction (the job commits with it), one job per transaction however many changed. The
job's run is end to end in test_enforcement.py."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from accounting.tasks import DisconnectSessions
from billing.services import subscription_update
from radius.services import radius_server_create
from radtik.jobs.models import Job
from radtik.jobs.runner import run_job
from tests.support import factories
from vouchers.services import vouchers_bulk_delete, vouchers_bulk_disable
from vouchers.usage import voucher_used_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha():
    with schema_context("alpha"):
        yield


def disconnects() -> list[Job]:
    return list(Job.objects.filter(kind=DisconnectSessions.name).order_by("id"))


def test_vouchers_used_up_in_one_transaction_share_one_job_that_also_removes_them(alpha):
    server = factories.radius_server()
    batch = factories.voucher_batch(vouchers=3, server=server)
    first, second, _ = batch.vouchers.select_related("batch__profile").order_by("id")
    online = factories.session(server=server, username=first.username, voucher=first)
    with transaction.atomic():
        voucher_used_up(voucher=first, reason="its time is used up")
        voucher_used_up(voucher=second, reason="its time is used up")
    (job,) = disconnects()
    assert job.params["sessions"] == [online.pk]
    assert job.params["vouchers"] == sorted([first.pk, second.pk])
    assert job.params["remove"] == {str(server.pk): sorted([first.username, second.username])}
    # The job list names what it is about: the batch both vouchers are of.
    assert (job.target_type, job.target_id) == ("vouchers.voucherbatch", str(batch.pk))
    assert job.target_repr == str(batch)
    # A voucher already used up changes nothing, so asks nothing more.
    voucher_used_up(voucher=first, reason="again")
    assert disconnects() == [job] and disconnects()[0].params == job.params


@pytest.mark.parametrize("bulk", [vouchers_bulk_disable, vouchers_bulk_delete])
def test_disabled_or_deleted_vouchers_have_their_sessions_ended(alpha, radius_agent, bulk):
    agent = radius_agent()
    server = radius_server_create(
        name="r", host="127.0.0.1", api_base_url=agent.url, token=agent.token
    ).server
    batch = factories.voucher_batch(vouchers=2, server=server)
    used, unused = batch.vouchers.order_by("id")
    online = factories.session(server=server, username=used.username, voucher=used)
    job = bulk(voucher_ids=[used.pk, unused.pk])
    assert run_job("alpha", job.pk, 1) == "succeeded"
    (disconnect,) = disconnects()
    # By session id too: a deleted voucher's sessions lose their link to it.
    assert disconnect.params["sessions"] == [online.pk]
    assert disconnect.params["remove"] == {}  # the bulk job removed them from RADIUS itself


@pytest.mark.parametrize("status", ["suspended", "expired"])
def test_a_subscription_suspended_or_expired_has_its_sessions_ended(alpha, status):
    subscription = factories.subscription()
    online = factories.session(username=subscription.username, subscription=subscription)
    subscription_update(subscription=subscription, status=status)
    (job,) = disconnects()
    assert job.params["sessions"] == [online.pk]
    assert job.params["subscriptions"] == [subscription.pk]
    assert job.target_repr == str(subscription)
