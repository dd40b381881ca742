"""publish(): after commit, to the tenant's group, JSON, masked."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from radtik.events import _listeners, group_name, listen, mask_payload, publish, publish_many


def test_payloads_mask_contact_data_and_drop_secrets():
    payload = mask_payload(
        {
            "phone": "254712345678",
            "note": "paid by +254712345678 (jane.doe@example.com)",
            "router_password": "hunter2",
            "api_token": "abc",
            "nested": [{"email": "ops@acme.co.ke", "bytes": 123456789012}],
        }
    )
    assert payload["phone"] == "2547****5678"
    assert "712345" not in payload["note"] and "jane.doe" not in payload["note"]
    assert "j***@example.com" in payload["note"]
    assert "router_password" not in payload and "api_token" not in payload
    assert payload["nested"][0] == {"email": "o***@acme.co.ke", "bytes": 123456789012}
    json.dumps(payload)


def test_group_names_are_per_tenant_and_validated():
    assert group_name(7, "jobs") == "tenant.7.jobs"
    assert group_name(None, "tenants") == "system.tenants"
    with pytest.raises(ValueError):
        group_name(7, "jobs; drop")


@pytest.mark.django_db(transaction=False)
def test_event_is_sent_only_after_commit(django_capture_on_commit_callbacks):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("tenant.999.unit", channel)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            publish(999, "unit", "thing.changed", {"id": 1})
    assert len(callbacks) == 1
    callbacks[0]()
    message = async_to_sync(layer.receive)(channel)
    assert message["event"] == "thing.changed" and message["payload"] == {"id": 1}
    async_to_sync(layer.group_discard)("tenant.999.unit", channel)


def test_non_json_payload_fails_at_publish():
    with pytest.raises(TypeError):
        publish(1, "jobs", "bad", {"when": object()})


@pytest.mark.django_db
def test_a_cancelled_publish_does_not_stop_the_job_hand_over(
    tenants, monkeypatch, django_capture_on_commit_callbacks
):
    """A client hanging up cancels the request's publish; the job must still reach its cluster."""
    import asyncio

    from django_q.models import OrmQ
    from django_tenants.utils import schema_context

    from radtik.jobs.services import job_enqueue
    from tests.support.jobkinds import Progress

    async def cancelled(*args, **kwargs):
        raise asyncio.CancelledError

    monkeypatch.setattr(get_channel_layer(), "group_send", cancelled)
    before = OrmQ.objects.count()
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        job_enqueue(kind=Progress)
    assert OrmQ.objects.count() == before + 1


@pytest.mark.django_db(transaction=False)
def test_many_events_are_sent_by_one_hook_each_groups_in_order(django_capture_on_commit_callbacks):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    for group in ("tenant.999.unit", "tenant.999.unit.other"):
        async_to_sync(layer.group_add)(group, channel)
    events = [("unit", "thing.changed", {"id": n}) for n in range(5)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish_many(999, [*events, ("unit.other", "other.changed", {"id": 9})])
    assert len(callbacks) == 1
    callbacks[0]()
    received = [async_to_sync(layer.receive)(channel) for _ in range(6)]
    ids = [m["payload"]["id"] for m in received if m["event"] == "thing.changed"]
    assert ids == [0, 1, 2, 3, 4] and {m["event"] for m in received} == {
        "thing.changed",
        "other.changed",
    }
    for group in ("tenant.999.unit", "tenant.999.unit.other"):
        async_to_sync(layer.group_discard)(group, channel)


@pytest.mark.django_db(transaction=False)
def test_a_listener_of_many_that_fails_on_a_batch_hears_each_event_alone():
    heard: list[list[int]] = []

    def on_things(events):
        ids = [event.payload["id"] for event in events]
        if 2 in ids:
            raise ValueError("thing 2 cannot be handled")
        heard.append(ids)

    listen("unit", "thing.batched", many=True)(on_things)
    try:
        publish_many(999, [("unit", "thing.batched", {"id": n}) for n in (1, 2, 3)])
        publish(999, "unit", "thing.batched", {"id": 4})
    finally:
        _listeners[("unit", "thing.batched")].remove((on_things, True))
    assert heard == [[1], [3], [4]]
