"""A batch too large for one sheet is printed by a job: the API answers 202 with the job, the job
writes a print-ready file with its progress, and the job page links the file, which holds every
voucher with the profile's price in the tenant's currency."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from radtik.jobs.models import Job
from radtik.jobs.runner import run_job
from tests.support import factories
from vouchers import services
from vouchers.models import VoucherProfile
from vouchers.tasks import PrintSheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "printer", role="operator"))


@pytest.fixture
def batch(tenants):
    with schema_context("alpha"):
        server = factories.radius_server()
        profile = VoucherProfile.objects.create(name="1 day", time_limit=86400, price=150)
        return services.batch_create(profile=profile, radius_server=server, count=1500).batch


def test_a_batch_of_1500_prints_as_a_file_from_the_api(operator, batch, make_user, tenant_client):
    admin = tenant_client("alpha", make_user("alpha", "owner", role="admin"))
    currency = admin.patch("/api/settings/", {"currency": "UGX"}, content_type="application/json")
    assert currency.status_code == 200, currency.content
    response = operator.post(
        f"/api/voucher-batches/{batch.pk}/print/",
        {"layout": "thermal58", "qr": True, "login_url": "http://10.5.50.1/login"},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    job = response.json()["job"]
    assert job["kind"] == PrintSheet.name and response["Location"] == job["url"]
    with schema_context("alpha"):
        assert run_job("alpha", job["id"], 1) == "succeeded"
        done = Job.objects.get(pk=job["id"])
    assert done.progress == 100 and done.result["vouchers"] == 1500
    # The job page links the file; the file is the whole batch on 58 mm roll paper.
    download = done.result["download"]
    assert f'href="{download}"' in operator.get(f"/jobs/{done.pk}/").content.decode()
    sheet = b"".join(operator.get(download).streaming_content).decode()
    assert sheet.count('class="voucher"') == 1500
    assert sheet.count("<svg") == 1500 and "10.5.50.1" not in sheet  # the link is inside the QR
    assert "size:58mm auto" in sheet
    assert "1 day · UGX 150" in sheet


def test_bad_print_options_are_refused_with_words(operator, batch):
    response = operator.post(
        f"/api/voucher-batches/{batch.pk}/print/", {"layout": "a3"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "layout" in response.json() or "a3" in response.content.decode()
