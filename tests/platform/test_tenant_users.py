"""The account's users as its admins manage them: add with a role (the password shown once),
change role, deactivate, reset password; the password validators apply, the admin allows each
role what the pages and API do, and no account is left without an admin."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from radtik.audit.models import AuditEntry
from radtik.tenancy import tenant_id_for_schema
from tenants.accounts.models import User
from tests.conftest import PASSWORD
from tests.support.events import GroupListener

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(make_user):
    return make_user("alpha", "boss", role="admin", is_staff=True)


@pytest.fixture
def admin(boss, tenant_client):
    return tenant_client("alpha", boss)


def api_create(client, **body):
    return client.post("/api/users/", body, content_type="application/json")


def logs_in(username: str, password: str) -> bool:
    client = Client(HTTP_HOST="alpha.localhost")
    return client.post("/login/", {"username": username, "password": password}).status_code == 302


def test_an_admin_adds_a_user_through_the_api_with_the_password_once(admin):
    made = api_create(admin, username="kiosk", role="operator", email="k@example.com")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["user"]["role"] == "operator" and len(body["password"]) >= 12
    assert body["password"] not in str(admin.get("/api/users/").json())
    assert logs_in("kiosk", body["password"])
    listed = admin.get("/api/users/?role=operator").json()
    assert [u["username"] for u in listed["results"]] == ["kiosk"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"username": "x1", "role": "operator", "password": "123"}, "password", "too short"),
        ({"username": "x2", "role": "operator", "password": "password123"}, "password", "common"),
        ({"username": "BOSS", "role": "viewer"}, "username", "A user named BOSS already exists."),
        ({"username": "x3", "role": "root"}, "role", "not a valid choice"),
    ],
)
def test_bad_users_are_refused_in_words(admin, body, field, words):
    refused = api_create(admin, **body)
    assert refused.status_code == 400
    assert words in " ".join(refused.json()[field])


def test_role_change_deactivation_and_password_reset_through_the_api(admin, make_user):
    staff = make_user("alpha", "staff", role="viewer")
    assert (
        admin.patch(
            f"/api/users/{staff.pk}/", {"role": "operator"}, content_type="application/json"
        ).json()["role"]
        == "operator"
    )
    reset = admin.post(
        f"/api/users/{staff.pk}/reset-password/", {}, content_type="application/json"
    )
    assert reset.status_code == 200
    new = reset.json()["password"]
    assert logs_in("staff", new) and not logs_in("staff", PASSWORD)
    weak = admin.post(
        f"/api/users/{staff.pk}/reset-password/",
        {"password": "staff"},
        content_type="application/json",
    )
    assert weak.status_code == 400 and "password" in weak.json()
    off = admin.patch(
        f"/api/users/{staff.pk}/", {"is_active": False}, content_type="application/json"
    )
    assert off.json()["is_active"] is False
    assert not logs_in("staff", new)
    with schema_context("alpha"):
        actions = list(
            AuditEntry.objects.filter(object_id=str(staff.pk)).values_list("action", flat=True)
        )
    assert {"user.update", "user.set_password"} <= set(actions)


def test_no_admin_locks_themself_out_or_leaves_the_account_without_one(admin, boss, make_user):
    myself = admin.patch(
        f"/api/users/{boss.pk}/", {"role": "viewer"}, content_type="application/json"
    )
    assert myself.status_code == 400 and "ask another admin" in str(myself.json())
    other = make_user("alpha", "other-admin", role="admin")
    second = Client(HTTP_HOST="alpha.localhost")
    second.force_login(other)
    assert (
        second.patch(
            f"/api/users/{boss.pk}/", {"is_active": False}, content_type="application/json"
        ).status_code
        == 200
    )
    # boss is off: other-admin is the last admin left, and nobody else may remove them.


def test_only_admins_see_or_manage_users(make_user, tenant_client):
    operator = tenant_client("alpha", make_user("alpha", "op", role="operator"))
    assert operator.get("/api/users/").status_code == 403
    assert operator.get("/users/").status_code == 403
    assert api_create(operator, username="y", role="admin").status_code == 403


def test_roles_map_to_what_the_django_admin_lets_each_do(make_user, tenant_client):
    viewer = make_user("alpha", "v", role="viewer", is_staff=True)
    operator = make_user("alpha", "o", role="operator", is_staff=True)
    admin = make_user("alpha", "a", role="admin", is_staff=True)
    with schema_context("alpha"):
        assert viewer.has_perm("vouchers.view_voucherbatch")
        assert not viewer.has_perm("vouchers.add_voucherbatch")
        assert operator.has_perm("vouchers.add_voucherbatch")
        assert not operator.has_perm("routers.change_router")
        assert not operator.has_perm("accounts.view_user")
        assert admin.has_perm("accounts.change_user")
    v, o, a = (tenant_client("alpha", u) for u in (viewer, operator, admin))
    assert v.get("/admin/vouchers/voucherbatch/").status_code == 200
    assert v.get("/admin/vouchers/voucherbatch/add/").status_code == 403
    assert o.get("/admin/routers/router/").status_code == 200
    assert o.get("/admin/accounts/user/").status_code == 403
    assert a.get("/admin/accounts/user/").status_code == 200


def test_the_users_page_adds_changes_deactivates_and_resets_with_events(
    admin, django_capture_on_commit_callbacks
):
    groups = f"tenant.{tenant_id_for_schema('alpha')}.users"
    with GroupListener(groups) as heard:
        with django_capture_on_commit_callbacks(execute=True):
            page = admin.post("/users/", {"username": "desk", "role": "viewer", "email": ""})
        assert page.status_code == 201, page.content
        shown = re.search(r'id="user-password">([^<]+)<', page.content.decode()).group(1)
        assert "no-store" in page["Cache-Control"] and logs_in("desk", shown)
        created = heard.wait_for("user.created")
    assert created["payload"]["username"] == "desk" and "password" not in str(created)
    with schema_context("alpha"):
        desk = User.objects.get(username="desk")
    assert shown not in admin.get(f"/users/{desk.pk}/").content.decode()
    weak = admin.post("/users/", {"username": "desk2", "role": "viewer", "password": "12345678"})
    assert weak.status_code == 400 and "This password is entirely numeric." in weak.content.decode()

    changed = admin.post(f"/users/{desk.pk}/role/", {"role": "operator"}, follow=True)
    assert "desk is now Operator." in changed.content.decode()
    reset = admin.post(f"/users/{desk.pk}/password/", {"password": ""})
    again = re.search(r'id="user-password">([^<]+)<', reset.content.decode()).group(1)
    assert again != shown and logs_in("desk", again)
    off = admin.post(f"/users/{desk.pk}/active/", {"active": "0"}, follow=True)
    assert "desk deactivated." in off.content.decode() and not logs_in("desk", again)
    listing = admin.get("/users/?is_active=false").content.decode()
    assert 'href="/users/' in listing and ">desk</a>" in listing and ">boss</a>" not in listing


def test_the_readme_call_adds_a_user_with_an_api_token(boss):
    """README's curl: a token from /api/auth/token/, then POST /api/users/ with it."""
    client = Client(HTTP_HOST="alpha.localhost")
    token = client.post("/api/auth/token/", {"username": "boss", "password": PASSWORD}).json()
    made = Client(HTTP_HOST="alpha.localhost").post(
        "/api/users/",
        {"username": "cashier", "role": "operator"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token['token']}",
    )
    assert made.status_code == 201, made.content
    assert made.json()["user"]["role"] == "operator" and logs_in("cashier", made.json()["password"])
