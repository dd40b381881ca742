"""The inbox's drain waits behind a burst of callbacks and only behind a burst: the rule, over
callbacks stored (real rows) in the last second or before it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.inbox import INTAKE_BUSY, INTAKE_WINDOW, intake_busy
from billing.models import PaymentCallback

pytestmark = pytest.mark.django_db(transaction=False)


NOW = timezone.now()  # the moment the drain looks (fixed: no test depends on its own speed)


def stored(count: int, seconds_ago: float) -> None:
    at = NOW - timedelta(seconds=seconds_ago)
    rows = PaymentCallback.objects.bulk_create(
        PaymentCallback(checkout_request_id=f"ws_CO_{seconds_ago}_{i}", body="{}")
        for i in range(count)
    )
    # received_at is set on save; set as if they had come in `seconds_ago` ago
    PaymentCallback.objects.filter(pk__in=[r.pk for r in rows]).update(received_at=at)


def test_callbacks_at_the_burst_rate_over_the_last_second_make_the_inbox_busy(tenants):
    with schema_context("alpha"):
        stored(int(INTAKE_BUSY * INTAKE_WINDOW), seconds_ago=INTAKE_WINDOW / 2)
        assert intake_busy(NOW)


def test_fewer_callbacks_than_the_burst_rate_never_make_it_wait(tenants):
    with schema_context("alpha"):
        stored(int(INTAKE_BUSY * INTAKE_WINDOW) - 1, seconds_ago=INTAKE_WINDOW / 2)
        assert not intake_busy(NOW)


def test_a_backlog_left_by_a_burst_that_ended_is_matched_without_waiting(tenants):
    with schema_context("alpha"):
        stored(4000, seconds_ago=INTAKE_WINDOW + 5)  # the burst, over
        stored(5, seconds_ago=0.1)  # a steady trickle since
        assert not intake_busy(NOW)


def test_a_burst_into_another_tenant_s_inbox_does_not_hold_this_one(tenants):
    with schema_context("beta"):
        stored(int(INTAKE_BUSY * INTAKE_WINDOW) * 2, seconds_ago=0.1)
    with schema_context("alpha"):
        assert not intake_busy(NOW)
