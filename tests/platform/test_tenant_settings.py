"""A tenant admin sets the account's time zone and currency; pages show times in that zone."""

import datetime

import pytest
from django_tenants.utils import schema_context

from radtik.audit.models import AuditEntry
from radtik.jobs.models import Job, JobLogLine
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2026, 3, 1, 10, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture
def admin_client(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "boss", role="admin"))


def job_log_at(at: datetime.datetime) -> Job:
    with schema_context("alpha"):
        job = Job.objects.create(kind="test.noop", status="succeeded")
        line = JobLogLine.objects.create(job=job, message="checked")
        JobLogLine.objects.filter(pk=line.pk).update(at=at)
    return job


def test_kenya_by_default_and_the_page_shows_local_time(admin_client):
    body = admin_client.get("/api/settings/").json()
    assert body["time_zone"] == "Africa/Nairobi" and body["currency"] == "KES"
    job = job_log_at(AT)
    page = admin_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "13:15:00" in page  # 10:15 UTC is 13:15 in Nairobi


def test_admin_changes_the_zone_and_pages_follow(admin_client):
    response = admin_client.patch(
        "/api/settings/", {"time_zone": "Asia/Tokyo"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["time_zone"] == "Asia/Tokyo"
    job = job_log_at(AT)
    assert "19:15:00" in admin_client.get(f"/jobs/{job.pk}/").content.decode()
    entry = AuditEntry.objects.filter(action="tenant.settings").latest("pk")
    assert entry.changes == {"time_zone": {"old": "Africa/Nairobi", "new": "Asia/Tokyo"}}


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"currency": "shillings"}, "currency"),
        ({"router_health_interval": 0}, "router_health_interval"),
    ],
)
def test_bad_settings_are_refused_with_the_field_named(admin_client, payload, field):
    response = admin_client.patch("/api/settings/", payload, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert Tenant.objects.get(schema_name="alpha").time_zone == "Africa/Nairobi"


def test_only_an_admin_changes_settings(make_user, tenant_client):
    viewer = tenant_client("alpha", make_user("alpha", "eve", role="operator"))
    assert viewer.get("/api/settings/").status_code == 200
    response = viewer.patch("/api/settings/", {"currency": "USD"}, content_type="application/json")
    assert response.status_code == 403
    assert viewer.post("/settings/", {"currency": "USD"}).status_code == 403
    assert Tenant.objects.get(schema_name="alpha").currency == "KES"


def test_settings_page_saves_and_shows_errors_in_words(admin_client):
    page = admin_client.get("/settings/")
    assert page.status_code == 200 and "Africa/Nairobi" in page.content.decode()
    current = admin_client.get("/api/settings/").json()
    form = {k: ("" if v is None else v) for k, v in current.items()}
    bad = admin_client.post("/settings/", {**form, "time_zone": "Nowhere"})
    assert bad.status_code == 400 and "is not a time zone" in bad.content.decode()
    good = admin_client.post("/settings/", {**form, "currency": "UGX"})
    assert good.status_code == 302
    assert Tenant.objects.get(schema_name="alpha").currency == "UGX"


def test_a_tenant_sees_only_its_own_settings(make_user, tenant_client, admin_client):
    admin_client.patch("/api/settings/", {"currency": "TZS"}, content_type="application/json")
    beta = tenant_client("beta", make_user("beta", "bob", role="admin"))
    assert beta.get("/api/settings/").json()["currency"] == "KES"
