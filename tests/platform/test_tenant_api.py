"""System admins create and manage tenants; bad input gets a clear 4xx."""

import pytest

from radtik.jobs.models import Job
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin_client(make_user, tenant_client):
    admin = make_user("public", "root", is_staff=True, is_superuser=True)
    return tenant_client("public", admin)


def test_create_tenant_answers_202_with_job_url(
    sysadmin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = sysadmin_client.post(
            "/api/tenants/",
            {"name": "Gamma Hotspots", "slug": "gamma", "admin_email": "ops@gamma.example"},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    job = Job.objects.get(pk=body["job"]["id"])
    assert job.kind == "tenants.create" and job.status == "queued"
    assert body["job"]["url"].endswith(f"/api/jobs/{job.pk}/")
    assert response["Location"] == body["job"]["url"]
    assert body["tenant"]["status"] == "provisioning"
    assert len(body["admin_password"]) >= 12
    assert "admin_password_hash" in job.params
    assert body["admin_password"] not in str(job.params)
    # The cluster is handed the job only after commit: one delivery queued, plus the events.
    assert len(callbacks) >= 1
    assert Tenant.objects.get(slug="gamma").status == "provisioning"


@pytest.mark.parametrize(
    ("payload", "field", "text"),
    [
        ({"name": "Dup", "slug": "alpha"}, "slug", "already exists"),
        ({"name": "Bad", "slug": "Bad_Slug!"}, "slug", "lowercase"),
        ({"name": "Reserved", "slug": "admin"}, "slug", "reserved"),
        ({"slug": "noname"}, "name", "required"),
        ({"name": "Short pw", "slug": "shorty", "admin_password": "x"}, "admin_password", "8"),
        (
            {"name": "Common", "slug": "common", "admin_password": "password"},
            "admin_password",
            "common",
        ),
        (
            {"name": "Digits", "slug": "digits", "admin_password": "12345678"},
            "admin_password",
            "numeric",
        ),
        (
            {
                "name": "Like",
                "slug": "like",
                "admin_username": "operator7",
                "admin_password": "operator7x",
            },
            "admin_password",
            "similar",
        ),
    ],
)
def test_bad_tenant_input_gets_field_errors(sysadmin_client, payload, field, text):
    response = sysadmin_client.post("/api/tenants/", payload, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert text in " ".join(response.json()[field])
    assert not Tenant.objects.filter(slug=payload.get("slug", "x"), status="provisioning").exists()


def test_malformed_json_is_a_400(sysadmin_client):
    response = sysadmin_client.post("/api/tenants/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_tenant_api_needs_a_system_admin(make_user, tenant_client):
    staffless = make_user("public", "plain")
    assert tenant_client("public").get("/api/tenants/").status_code in (401, 403)
    assert tenant_client("public", staffless).get("/api/tenants/").status_code == 403


def test_tenant_users_cannot_reach_tenant_management(make_user, tenant_client):
    owner = make_user("alpha", "owner", role="admin", is_superuser=True, is_staff=True)
    assert tenant_client("alpha", owner).get("/api/tenants/").status_code == 404


def test_unknown_host_answers_404(client):
    response = client.get("/", HTTP_HOST="nobody.localhost")
    assert response.status_code == 404
    assert b"No radtik account is served at nobody.localhost" in response.content
    api = client.get("/api/jobs/", HTTP_HOST="nobody.localhost")
    assert api.status_code == 404 and "nobody.localhost" in api.json()["detail"]


def test_suspended_tenant_gets_clear_page_and_api_403(
    sysadmin_client, tenants, make_user, tenant_client
):
    alpha = tenants["alpha"]
    response = sysadmin_client.post(
        f"/api/tenants/{alpha.pk}/status/", {"status": "suspended"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    user = make_user("alpha", "op", role="operator")
    page = tenant_client("alpha", user).get("/")
    assert page.status_code == 403 and b"This account is suspended" in page.content
    api = tenant_client("alpha", user).get("/api/jobs/")
    assert api.status_code == 403 and "suspended" in api.json()["detail"]


def test_status_change_is_audited(sysadmin_client, tenants):
    from radtik.audit.choices import AuditAction
    from radtik.audit.models import AuditEntry

    beta = tenants["beta"]
    sysadmin_client.post(
        f"/api/tenants/{beta.pk}/status/", {"status": "suspended"}, content_type="application/json"
    )
    entry = AuditEntry.objects.get(action=AuditAction.TENANT_SUSPEND)
    assert entry.actor_repr == "root" and entry.object_id == str(beta.pk)
    assert entry.changes == {"status": {"old": "active", "new": "suspended"}}


def test_bad_status_value_is_a_400(sysadmin_client, tenants):
    response = sysadmin_client.post(
        f"/api/tenants/{tenants['beta'].pk}/status/",
        {"status": "deleted"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "status" in response.json()


def test_commands_apply_the_password_validators():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="too common"):
        call_command("create_tenant", "weak", "--admin-password", "password", "--no-wait")
    with pytest.raises(CommandError, match="entirely numeric"):
        call_command("platform_setup", "--admin-username", "ops", "--admin-password", "12345678")
    assert not Tenant.objects.filter(slug="weak").exists()


def test_tenant_created_on_the_system_home_shows_the_admin_password_once(sysadmin_client):
    response = sysadmin_client.post(
        "/", {"name": "Delta Spots", "slug": "delta", "admin_username": "boss"}
    )
    assert response.status_code == 201, response.content
    job = Job.objects.get(kind="tenants.create", target_id=str(Tenant.objects.get(slug="delta").pk))
    page = response.content.decode()
    assert f"Job #{job.pk}" in page and "Password of boss on delta" in page
    password = page.split('id="shown-once">')[1].split("<")[0]
    assert len(password) >= 12 and password not in str(job.params)
    assert "no-store" in response["Cache-Control"]
    # Shown once: the job page read again does not carry it, nor does the session.
    again = sysadmin_client.get(f"/jobs/{job.pk}/").content.decode()
    assert password not in again and "shown-once" not in again
    assert password not in str(dict(sysadmin_client.session))
