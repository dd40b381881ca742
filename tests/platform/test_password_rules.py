"""AUTH_PASSWORD_VALIDATORS apply on every path that sets a password: the tenant API (see
test_tenant_api), the admin's add-user and set-password pages, and the user services every other
caller goes through."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from tenants.accounts.models import User
from tenants.accounts.services import user_create, user_set_password
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WEAK = [("12345678", "entirely numeric"), ("password", "too common"), ("abc", "too short")]


@pytest.fixture
def owner_admin(make_user, tenant_client):
    owner = make_user("alpha", "owner", role="admin", is_staff=True, is_superuser=True)
    return tenant_client("alpha", owner)


@pytest.mark.parametrize(("weak", "reason"), WEAK)
def test_admin_add_user_refuses_a_weak_password(owner_admin, weak, reason):
    page = owner_admin.post(
        "/admin/accounts/user/add/",
        {
            "username": "newbie",
            "usable_password": "true",
            "password1": weak,
            "password2": weak,
            "role": "viewer",
        },
    )
    assert page.status_code == 200 and reason in page.content.decode()
    with schema_context("alpha"):
        assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize(("weak", "reason"), WEAK)
def test_admin_set_password_refuses_a_weak_password(owner_admin, make_user, weak, reason):
    user = make_user("alpha", "clerk")
    page = owner_admin.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"usable_password": "true", "password1": weak, "password2": weak},
    )
    assert page.status_code == 200 and reason in page.content.decode()
    with schema_context("alpha"):
        assert User.objects.get(pk=user.pk).check_password(PASSWORD)


@pytest.mark.parametrize(("weak", "reason"), WEAK)
def test_user_services_refuse_a_weak_password(make_user, weak, reason):
    user = make_user("alpha", "clerk")
    with schema_context("alpha"):
        with pytest.raises(ValidationError, match=reason):
            user_create(username="newbie", password=weak, role="viewer")
        with pytest.raises(ValidationError, match=reason):
            user_set_password(user=user, password=weak)
        assert not User.objects.filter(username="newbie").exists()
        assert User.objects.get(pk=user.pk).check_password(PASSWORD)
        made = user_create(username="newbie", password="a-long-fine-phrase-7", role="viewer")
        assert made.check_password("a-long-fine-phrase-7")
