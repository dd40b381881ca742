"""The tenant admin's voucher pages go through the voucher services: a batch added there is
generated and synced, a voucher deleted or disabled there leaves RADIUS."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from radius.services import radius_server_create
from radtik.jobs.models import Job
from tests.support.admin import run_queued_jobs
from vouchers import services
from vouchers.models import Voucher, VoucherBatch
from vouchers.tasks import SyncVouchers

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def admin_client(make_user, tenant_client):
    boss = make_user("alpha", "boss", role="admin", is_staff=True, is_superuser=True)
    return tenant_client("alpha", boss)


@pytest.fixture
def agent(radius_agent):
    return radius_agent()


@pytest.fixture
def synced(tenants, agent):
    """A batch of three vouchers, on the agent."""
    with schema_context("alpha"):
        server = radius_server_create(
            name="radius-1", host="127.0.0.1", api_base_url=agent.url, token=agent.token
        ).server
        profile = services.profile_create(name="1 hour", time_limit=3600)
        batch = services.batch_create(profile=profile, radius_server=server, count=3).batch
        run_queued_jobs()
        names = list(batch.vouchers.values_list("username", flat=True))
    assert all(agent.call("GET", f"/users/{name}").status_code == 200 for name in names)
    return batch, names


def test_adding_a_batch_generates_its_codes_and_syncs_them(admin_client, tenants, agent):
    with schema_context("alpha"):
        server = radius_server_create(
            name="radius-1", host="127.0.0.1", api_base_url=agent.url, token=agent.token
        ).server
        profile = services.profile_create(name="1 hour", time_limit=3600)
    form = {
        "profile": profile.pk,
        "radius_server": server.pk,
        "count": 5,
        "prefix": "ev",
        "code_length": 8,
        "note": "wedding",
    }
    response = admin_client.post("/admin/vouchers/voucherbatch/add/", form)
    assert response.status_code == 302, response.content[-2000:]
    with schema_context("alpha"):
        batch = VoucherBatch.objects.get()
        assert (batch.count, batch.prefix, batch.note) == (5, "EV", "wedding")
        names = list(batch.vouchers.values_list("username", flat=True))
        assert len(set(names)) == 5 and all(name.startswith("EV") for name in names)
        assert [job.kind for job in run_queued_jobs()] == [SyncVouchers.name]
        assert batch.vouchers.filter(radius_sync_status="synced").count() == 5
    assert all(agent.call("GET", f"/users/{name}").status_code == 200 for name in names)


@pytest.mark.parametrize(("field", "value"), [("count", 0), ("code_length", 3)])
def test_a_bad_batch_is_a_form_error(admin_client, synced, field, value):
    batch, _ = synced
    form = {"profile": batch.profile_id, "radius_server": batch.radius_server_id, "count": 5}
    form.update({"code_length": 8, field: value})
    response = admin_client.post("/admin/vouchers/voucherbatch/add/", form)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field]
    with schema_context("alpha"):
        assert VoucherBatch.objects.count() == 1 and not Job.objects.filter(status="queued")


def test_deleting_a_voucher_removes_it_from_radius(admin_client, synced, agent):
    _, names = synced
    with schema_context("alpha"):
        gone = Voucher.objects.get(username=names[0])
    response = admin_client.post(f"/admin/vouchers/voucher/{gone.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    with schema_context("alpha"):
        run_queued_jobs()
        assert not Voucher.objects.filter(pk=gone.pk).exists()
    assert agent.call("GET", f"/users/{names[0]}").status_code == 404
    assert all(agent.call("GET", f"/users/{name}").status_code == 200 for name in names[1:])


def test_deleting_selected_vouchers_removes_them_from_radius(admin_client, synced, agent):
    _, names = synced
    with schema_context("alpha"):
        chosen = list(Voucher.objects.filter(username__in=names[:2]).values_list("pk", flat=True))
    response = admin_client.post(
        "/admin/vouchers/voucher/",
        {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
    )
    assert response.status_code == 302
    with schema_context("alpha"):
        run_queued_jobs()
        assert list(Voucher.objects.values_list("username", flat=True)) == names[2:]
    assert [agent.call("GET", f"/users/{name}").status_code for name in names] == [404, 404, 200]


def test_disabling_vouchers_removes_them_from_radius_and_keeps_them_listed(
    admin_client, synced, agent
):
    _, names = synced
    with schema_context("alpha"):
        chosen = Voucher.objects.get(username=names[1]).pk
    response = admin_client.post(
        "/admin/vouchers/voucher/", {"action": "disable", "_selected_action": [chosen]}
    )
    assert response.status_code == 302
    with schema_context("alpha"):
        run_queued_jobs()
        assert Voucher.objects.get(pk=chosen).status == "disabled"
    assert [agent.call("GET", f"/users/{name}").status_code for name in names] == [200, 404, 200]


def test_vouchers_cannot_be_edited_in_the_admin(admin_client, synced):
    _, names = synced
    with schema_context("alpha"):
        voucher = Voucher.objects.get(username=names[0])
    response = admin_client.post(
        f"/admin/vouchers/voucher/{voucher.pk}/change/", {"status": "disabled"}
    )
    assert response.status_code == 403
