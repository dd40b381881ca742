"""Operator pages and API: roles, isolation between tenants, the OpenAPI schema."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from billing.models import Customer, Package, Payment
from radius.models import RadiusServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha_payment(tenants):
    with schema_context("alpha"):
        server = RadiusServer.objects.create(
            name="r", host="127.0.0.1", api_base_url="http://127.0.0.1:1", auth_token="t"
        )
        package = Package.objects.create(
            name="Day", price=100, validity_seconds=86400, radius_server=server
        )
        Customer.objects.create(phone="254712345678")
        return Payment.objects.create(package=package, phone="254712345678", amount=100)


@pytest.mark.parametrize(
    "url",
    [
        "/billing/payments/",
        "/billing/payments/reconciled/",
        "/billing/callbacks/",
        "/billing/customers/",
        "/billing/subscriptions/",
    ],
)
def test_operator_pages_need_login_and_mask_phones(alpha_payment, make_user, tenant_client, url):
    assert tenant_client("alpha").get(url).status_code == 302
    viewer = tenant_client("alpha", make_user("alpha", "viewer1", role="viewer"))
    response = viewer.get(url)
    assert response.status_code == 200
    assert "254712345678" not in response.content.decode()


def test_payments_api_is_tenant_isolated(alpha_payment, make_user, tenant_client):
    alpha = tenant_client("alpha", make_user("alpha", "a1", role="viewer"))
    beta = tenant_client("beta", make_user("beta", "b1", role="viewer"))
    assert alpha.get("/api/payments/").json()["count"] == 1
    assert beta.get("/api/payments/").json()["count"] == 0
    assert beta.get(f"/api/payments/{alpha_payment.pk}/").status_code == 404
    assert beta.get(f"/api/payments/status/{alpha_payment.token}/").status_code == 404
    public = tenant_client("alpha").get(f"/api/payments/status/{alpha_payment.token}/")
    assert public.status_code == 200 and "phone" not in public.json()
    assert tenant_client("alpha").get("/api/payments/").status_code == 401


def test_portal_lists_active_packages_publicly(alpha_payment, tenant_client):
    response = tenant_client("alpha").get("/portal/?mac=AA:BB:CC:DD:EE:FF")
    assert response.status_code == 200 and "Day" in response.content.decode()
    assert tenant_client("alpha").get("/api/packages/public/").json()[0]["name"] == "Day"


def test_openapi_schema_has_the_billing_api(make_user, tenant_client, tenants):
    client = tenant_client("alpha", make_user("alpha", "s1", role="viewer"))
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in (
        "/api/payments/initiate/",
        "/api/payments/",
        "/api/packages/",
        "/api/customers/",
        "/api/subscriptions/",
    ):
        assert path in paths, path


def test_reconcile_command_runs_for_a_tenant(tenants, capsys):
    from django.core.management import call_command

    call_command("reconcile_payments", "--tenant", "alpha", "--older-than", "0")
    assert "alpha: succeeded" in capsys.readouterr().out
