"""Voucher pages: a batch made from /vouchers/ with its errors in words, the batch's actions,
the sheets (layouts, price, parts) and profiles refusing deletion while in use."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from radtik.jobs.models import Job
from tests.support import factories
from vouchers.models import Voucher, VoucherBatch, VoucherProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "vadmin", role="admin"))


@pytest.fixture
def setup(tenants):
    with schema_context("alpha"):
        server = factories.radius_server()
        profile = VoucherProfile.objects.create(name="1 hour", time_limit=3600, price=10)
    return profile, server


def test_a_batch_is_made_from_the_list_page_with_the_server_chosen_by_name(admin, setup):
    profile, server = setup
    response = admin.post(
        "/vouchers/batches/new/",
        {"profile": profile.pk, "radius_server": server.name, "count": 12, "code_length": 8},
    )
    assert response.status_code == 302
    with schema_context("alpha"):
        batch = VoucherBatch.objects.get()
        assert batch.vouchers.count() == 12 and batch.radius_server == server
    page = admin.get(response["Location"], follow=True).content.decode()
    assert "12 voucher(s) made" in page


def test_batch_form_errors_are_words_beside_their_fields(admin, setup):
    profile, server = setup
    response = admin.post(
        "/vouchers/batches/new/",
        {"profile": profile.pk, "radius_server": server.name, "count": 0, "prefix": "a b"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Make at least 1 voucher." in body
    assert "Use up to 10 letters or digits, no spaces." in body
    assert "Code length: This field is required." in body


def test_sheet_prints_the_profile_price_in_each_layout_without_disabled_vouchers(admin, setup):
    profile, server = setup
    with schema_context("alpha"):
        batch = factories.voucher_batch(vouchers=6, profile=profile, server=server)
        Voucher.objects.filter(batch=batch, username=f"B{batch.pk}V0").update(status="disabled")
    for layout in ("a4", "thermal58", "thermal80", "card"):
        body = admin.get(f"/vouchers/batches/{batch.pk}/sheet/?layout={layout}&qr=on").content
        body = body.decode()
        assert body.count('class="voucher"') == 5 and body.count("<svg") == 5
        assert "1 hour · KES 10" in body and f"B{batch.pk}V0<" not in body
    bare = admin.get(f"/vouchers/batches/{batch.pk}/sheet/?layout=a4").content.decode()
    assert "<svg" not in bare and bare.count('class="voucher"') == 5
    assert admin.get(f"/vouchers/batches/{batch.pk}/sheet/?layout=a3").status_code == 400


def test_a_large_batch_prints_in_parts_of_a_thousand(admin, setup):
    profile, server = setup
    with schema_context("alpha"):
        batch = factories.voucher_batch(vouchers=1500, profile=profile, server=server)
    page = admin.get(f"/vouchers/batches/{batch.pk}/").content.decode()
    assert "1001–1500" in page
    second = admin.get(f"/vouchers/batches/{batch.pk}/sheet/?layout=a4&part=2").content.decode()
    assert second.count('class="voucher"') == 500


def test_batch_page_disables_and_deletes_through_the_bulk_job(admin, setup):
    profile, server = setup
    with schema_context("alpha"):
        batch = factories.voucher_batch(vouchers=3, profile=profile, server=server)
        one, two, _ = batch.vouchers.all()
    page = admin.post(f"/vouchers/{one.pk}/disable/", follow=True).content.decode()
    assert f"Voucher {one.username}: disable queued" in page
    admin.post(f"/vouchers/batches/{batch.pk}/selection/", {"action": "delete", "ids": [two.pk]})
    admin.post(f"/vouchers/batches/{batch.pk}/disable/")
    response = admin.post(f"/vouchers/batches/{batch.pk}/delete/")
    assert response["Location"] == "/vouchers/"
    with schema_context("alpha"):
        params = [j.params for j in Job.objects.filter(kind="vouchers.bulk").order_by("id")]
    assert params == [
        {"action": "disable", "voucher_ids": [one.pk]},
        {"action": "delete", "voucher_ids": [two.pk]},
        {"action": "disable", "batch_id": batch.pk},
        {"action": "delete", "batch_id": batch.pk},
    ]


def test_a_profile_in_use_is_not_deleted_and_says_why(admin, setup):
    profile, server = setup
    with schema_context("alpha"):
        factories.voucher_batch(vouchers=1, profile=profile, server=server)
    page = admin.post(f"/vouchers/profiles/{profile.pk}/delete/", follow=True).content.decode()
    assert "has voucher batches: delete them first" in page
    api = admin.delete(f"/api/voucher-profiles/{profile.pk}/")
    assert api.status_code == 400 and "delete them first" in api.json()["detail"]
    with schema_context("alpha"):
        assert VoucherProfile.objects.filter(pk=profile.pk).exists()


def test_profiles_are_created_and_edited_from_their_pages(admin, tenants):
    fields = {"name": "Day", "price": "50", "validity_mode": "after_first_use"}
    fields.update(simultaneous_use=1, validity_seconds=86400)
    assert admin.post("/vouchers/profiles/new/", fields).status_code == 302
    with schema_context("alpha"):
        day = VoucherProfile.objects.get(name="Day")
    fields["rate_limit"] = "fast"
    bad = admin.post(f"/vouchers/profiles/{day.pk}/", fields)
    assert bad.status_code == 400 and "Use " in bad.content.decode()
    fields["rate_limit"] = "2M/4M"
    assert admin.post(f"/vouchers/profiles/{day.pk}/", fields).status_code == 302
    with schema_context("alpha"):
        day.refresh_from_db()
        assert day.rate_limit == "2M/4M"
    listing = admin.get("/vouchers/profiles/").content.decode()
    assert re.search(r"Day</a></td><td>KES 50", listing)
