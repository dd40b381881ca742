"""Tenant A's sessions and tokens never reach tenant B; roles gate every write. (Objects of each
resource: tests/platform/test_tenant_isolation.py.)"""

import pytest
from django_tenants.utils import schema_context
from knox.models import AuthToken

from radtik.jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def beta_failed_job(tenants):
    with schema_context("beta"):
        return Job.objects.create(kind="test.always_fails", status="failed", error="boom")


@pytest.fixture
def alpha_admin(make_user):
    return make_user("alpha", "alpha-admin", role="admin", is_staff=True, is_superuser=True)


def test_alpha_session_on_beta_host_is_anonymous(alpha_admin, tenant_client, beta_failed_job):
    from django.conf import settings
    from django.test import Client

    alpha = tenant_client("alpha", alpha_admin)
    cookie = alpha.cookies[settings.SESSION_COOKIE_NAME].value
    intruder = Client(HTTP_HOST="beta.localhost")
    intruder.cookies[settings.SESSION_COOKIE_NAME] = cookie
    page = intruder.get(f"/jobs/{beta_failed_job.pk}/")
    assert page.status_code == 302 and page["Location"].startswith("/login/")
    api = intruder.get(f"/api/jobs/{beta_failed_job.pk}/")
    assert api.status_code in (401, 403)
    assert intruder.post(f"/api/jobs/{beta_failed_job.pk}/retry/").status_code in (401, 403)
    assert intruder.get("/admin/").status_code == 302


def test_alpha_token_is_unknown_on_beta(alpha_admin, beta_failed_job):
    from django.test import Client

    with schema_context("alpha"):
        _, token = AuthToken.objects.create(user=alpha_admin)
    on_beta = Client(HTTP_HOST="beta.localhost", HTTP_AUTHORIZATION=f"Token {token}")
    response = on_beta.get(f"/api/jobs/{beta_failed_job.pk}/")
    assert response.status_code == 401
    on_alpha = Client(HTTP_HOST="alpha.localhost", HTTP_AUTHORIZATION=f"Token {token}")
    assert on_alpha.get("/api/jobs/").status_code == 200
    # Alpha's own list never contains beta's job, even with its id.
    assert on_alpha.get(f"/api/jobs/{beta_failed_job.pk}/").status_code == 404


def test_viewer_reads_but_cannot_retry(make_user, tenant_client, tenants):
    with schema_context("beta"):
        job = Job.objects.create(kind="test.always_fails", status="failed", error="x")
    viewer = tenant_client("beta", make_user("beta", "v", role="viewer"))
    assert viewer.get(f"/api/jobs/{job.pk}/").status_code == 200
    response = viewer.post(f"/api/jobs/{job.pk}/retry/")
    assert response.status_code == 403 and "role" in response.json()["detail"]
    page = viewer.post(f"/jobs/{job.pk}/retry/")
    assert page.status_code == 403 and b"operator role" in page.content


def test_operator_retries_a_failed_job(
    make_user, tenant_client, tenants, django_capture_on_commit_callbacks
):
    with schema_context("beta"):
        job = Job.objects.create(
            kind="test.always_fails", status="failed", error="x", attempts=2, max_attempts=2
        )
    operator = tenant_client("beta", make_user("beta", "op", role="operator"))
    retry_form = f'action="/jobs/{job.pk}/retry/"'
    assert operator.get(f"/api/jobs/{job.pk}/").json()["can_retry"] is True
    assert retry_form in operator.get(f"/jobs/{job.pk}/").content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = operator.post(f"/api/jobs/{job.pk}/retry/")
    assert response.status_code == 202
    assert response.json()["status"] == "queued" and response.json()["attempts"] == 0
    assert response.json()["can_retry"] is False
    assert retry_form not in operator.get(f"/jobs/{job.pk}/").content.decode()
    assert retry_form not in operator.get("/jobs/").content.decode()
    assert len(callbacks) >= 1
    again = operator.post(f"/api/jobs/{job.pk}/retry/")
    assert again.status_code == 400 and "queued" in again.json()["detail"]
    from radtik.audit.models import AuditEntry

    with schema_context("beta"):
        assert AuditEntry.objects.filter(action="job.retry", actor__username="op").count() == 1


def test_tenant_admin_site_hides_platform_apps(alpha_admin, tenant_client):
    client = tenant_client("alpha", alpha_admin)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert b"Tenants" not in index.content and b"Jobs" in index.content
    assert client.get("/admin/tenants/tenant/").status_code == 404
    assert client.get("/admin/django_q/ormq/").status_code == 404


def test_public_admin_shows_tenants(make_user, tenant_client):
    root = make_user("public", "root", is_staff=True, is_superuser=True)
    client = tenant_client("public", root)
    assert b"Tenants" in client.get("/admin/").content
    assert client.get("/admin/tenants/tenant/").status_code == 200
    assert client.get("/admin/tenants/tenant/add/").status_code == 200


def test_anonymous_api_and_pages(tenant_client, tenants):
    anon = tenant_client("alpha")
    assert anon.get("/api/jobs/").status_code == 401
    assert anon.get("/").status_code == 302
    assert anon.get("/login/").status_code == 200


def test_openapi_schema_lists_the_endpoints(tenant_client, make_user):
    root = make_user("public", "root", is_staff=True, is_superuser=True)
    schema = tenant_client("public", root).get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/tenants/" in paths and "/api/jobs/{id}/retry/" in paths
