"""RADIUS servers in the pages and the API: added with the agent's token shown once, edited with
the token write-only, tested against a real agent as a job, deleted unless in use."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from radius.models import RadiusServer
from radtik.jobs.models import Job
from tests.support import factories
from tests.support.admin import run_queued_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "radmin", role="admin"))


def test_a_server_added_on_the_page_shows_its_token_once(admin):
    response = admin.post(
        "/radius/new/",
        {
            "name": "core",
            "host": "10.0.0.5",
            "auth_port": 1812,
            "acct_port": 1813,
            "api_base_url": "http://10.0.0.5:8799",
        },
    )
    assert response.status_code == 201, response.content
    with schema_context("alpha"):
        server = RadiusServer.objects.get(name="core")
    assert server.auth_token in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    for path in ("/radius/", f"/radius/{server.pk}/"):
        assert server.auth_token not in admin.get(path).content.decode()
    assert server.auth_token not in admin.get(f"/api/radius-servers/{server.pk}/").content.decode()


def test_form_errors_are_words_beside_their_fields(admin):
    with schema_context("alpha"):
        factories.radius_server()
        taken = RadiusServer.objects.get().name
    response = admin.post(
        "/radius/new/",
        {"name": taken, "host": "h", "auth_port": 70000, "acct_port": 1813, "api_base_url": "x"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Radius server with this Name already exists." in body
    assert "Enter a valid URL." in body
    assert "less than or equal to 65535" in body


def test_the_api_creates_with_the_token_once_and_edits_it_write_only(admin):
    made = admin.post(
        "/api/radius-servers/",
        {"name": "edge", "host": "10.0.0.6", "api_base_url": "http://10.0.0.6:8799"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert len(body["token"]) > 20 and "auth_token" not in body
    detail = f"/api/radius-servers/{body['id']}/"
    assert "token" not in admin.get(detail).json()
    changed = admin.patch(detail, {"host": "10.0.0.7"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["host"] == "10.0.0.7"
    with schema_context("alpha"):
        assert RadiusServer.objects.get(pk=body["id"]).auth_token == body["token"]
    listed = admin.get("/api/radius-servers/?name=edg").json()
    assert [row["name"] for row in listed["results"]] == ["edge"]


def test_the_page_edit_keeps_the_token_when_left_empty(admin):
    with schema_context("alpha"):
        server = factories.radius_server()
    response = admin.post(
        f"/radius/{server.pk}/",
        {
            "name": server.name,
            "host": "192.0.2.9",
            "auth_port": 1812,
            "acct_port": 1813,
            "api_base_url": server.api_base_url,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content
    with schema_context("alpha"):
        server.refresh_from_db()
        assert server.host == "192.0.2.9" and server.auth_token == "t"


def test_a_server_in_use_is_not_deleted_and_says_why(admin):
    with schema_context("alpha"):
        batch = factories.voucher_batch(vouchers=1)
        server = batch.radius_server
        spare = factories.radius_server()
    refused = admin.post(f"/radius/{server.pk}/delete/", follow=True)
    assert "is used by 1 voucher batch(es)" in refused.content.decode()
    api = admin.delete(f"/api/radius-servers/{server.pk}/")
    assert api.status_code == 400 and "voucher batch" in api.json()["detail"]
    assert admin.post(f"/radius/{spare.pk}/delete/").status_code == 302
    with schema_context("alpha"):
        assert set(RadiusServer.objects.values_list("pk", flat=True)) == {server.pk}


def test_a_viewer_sees_the_list_but_cannot_add(make_user, tenant_client):
    viewer = tenant_client("alpha", make_user("alpha", "rviewer"))
    assert viewer.get("/radius/").status_code == 200
    assert viewer.get("/radius/new/").status_code == 403
    assert viewer.post("/api/radius-servers/", {}).status_code == 403


def test_testing_the_connection_is_a_job_that_reaches_the_agent(admin, radius_agent):
    agent = radius_agent()
    with schema_context("alpha"):
        good = RadiusServer.objects.create(
            name="good", host="127.0.0.1", api_base_url=agent.url, auth_token=agent.token
        )
        wrong = RadiusServer.objects.create(
            name="wrong", host="127.0.0.1", api_base_url=agent.url, auth_token="not-it"
        )
    response = admin.post(f"/api/radius-servers/{good.pk}/test/")
    assert response.status_code == 202 and response.json()["job"]["kind"] == "radius.test"
    page = admin.post(f"/radius/{wrong.pk}/test/")
    assert page.status_code == 302 and page["Location"].startswith("/jobs/")
    with schema_context("alpha"):
        from radtik.jobs.runner import run_job

        ok = Job.objects.get(kind="radius.test", target_id=str(good.pk))
        assert run_job("alpha", ok.pk, 1) == "succeeded"
        ok.refresh_from_db()
        assert ok.result["database"] == "sqlite"
        bad = Job.objects.get(kind="radius.test", target_id=str(wrong.pk))
        assert run_job("alpha", bad.pk, 1) == "failed"
        bad.refresh_from_db()
        assert "refused the token" in bad.error
    assert run_queued_jobs() == []
