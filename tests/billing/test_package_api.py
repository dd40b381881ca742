"""Who may create packages through the API: admins; viewers and operators are refused."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from knox.models import AuthToken

from billing.models import Package
from routers.models import Router

pytestmark = pytest.mark.django_db


@pytest.fixture
def package_data(tenants) -> dict:
    with schema_context("alpha"):
        router = Router.objects.create(
            name="hs-1", host="127.0.0.1", api_username="admin", api_password="admin"
        )
    return {"name": "1 day", "price": "100", "validity_seconds": 86400, "router": router.pk}


def token_client(user) -> Client:
    with schema_context("alpha"):
        _, token = AuthToken.objects.create(user=user)
    return Client(HTTP_HOST="alpha.localhost", HTTP_AUTHORIZATION=f"Token {token}")


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_viewer_and_operator_cannot_create_packages(make_user, tenant_client, package_data, role):
    user = make_user("alpha", f"staff-{role}", role=role)
    for client in (tenant_client("alpha", user), token_client(user)):
        response = client.post("/api/packages/", package_data, content_type="application/json")
        assert response.status_code == 403, response.content
        assert "role" in response.json()["detail"]
        assert client.get("/api/packages/").status_code == 200  # reading is allowed
    with schema_context("alpha"):
        assert not Package.objects.exists()


def test_admin_creates_a_package(make_user, tenant_client, package_data):
    admin = tenant_client("alpha", make_user("alpha", "boss", role="admin"))
    response = admin.post("/api/packages/", package_data, content_type="application/json")
    assert response.status_code == 201, response.content
    with schema_context("alpha"):
        assert Package.objects.get().name == "1 day"


def test_a_negative_or_zero_package_price_is_a_field_error(make_user, tenant_client, package_data):
    admin = tenant_client("alpha", make_user("alpha", "boss", role="admin"))
    for price in ("-100", "0"):
        response = admin.post(
            "/api/packages/", {**package_data, "price": price}, content_type="application/json"
        )
        assert response.status_code == 400, response.content
        assert "price" in response.json()
