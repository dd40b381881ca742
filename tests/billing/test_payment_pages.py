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


SETTINGS = {
    "environment": "sandbox",
    "shortcode": "174379",
    "transaction_type": "CustomerPayBillOnline",
    "party_b": "",
    "passkey": "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919",
    "consumer_key": "ck-abcdef123456",
    "consumer_secret": "cs-abcdef123456",
    "account_reference": "WiFi",
    "callback_base_url": "",
    "hotspot_login_url": "http://hotspot.login/login",
    "base_url": "",
}


def test_daraja_settings_page_keeps_credentials_write_only(make_user, tenant_client, tenants):
    from billing.models import DarajaSettings

    boss = make_user("alpha", "boss", role="admin", is_staff=True, is_superuser=True)
    admin = tenant_client("alpha", boss)
    missing = admin.post("/billing/settings/", {**SETTINGS, "passkey": "", "shortcode": "17a"})
    assert missing.status_code == 400
    errors = missing.context["form"].errors
    assert errors["passkey"] == ["Required."] and errors["shortcode"] == ["Digits only."]

    assert admin.post("/billing/settings/", SETTINGS).status_code == 302
    page = admin.get("/billing/settings/").content.decode()
    assert "174379" in page and "Stored. Leave empty to keep it." in page
    for secret in ("passkey", "consumer_key", "consumer_secret"):
        assert SETTINGS[secret] not in page  # never sent back to a browser

    # Changing the shortcode with the credential fields left empty keeps the credentials.
    blank = {
        **SETTINGS,
        "shortcode": "600000",
        "passkey": "",
        "consumer_key": "",
        "consumer_secret": "",
    }
    assert admin.post("/billing/settings/", blank).status_code == 302
    with schema_context("alpha"):
        saved = DarajaSettings.objects.get()
        assert (saved.shortcode, saved.passkey) == ("600000", SETTINGS["passkey"])
        assert saved.consumer_secret == SETTINGS["consumer_secret"]
    with schema_context("beta"):
        assert not DarajaSettings.objects.exists()  # another tenant's account is untouched
    change = admin.get(f"/admin/billing/darajasettings/{saved.pk}/change/")
    assert change.status_code == 200 and "600000" in change.content.decode()
    assert SETTINGS["passkey"] not in change.content.decode()  # nor does the Django admin

    operator = tenant_client("alpha", make_user("alpha", "ops", role="operator"))
    assert operator.get("/billing/settings/").status_code == 403
    assert operator.post("/billing/settings/", SETTINGS).status_code == 403


def test_demo_setup_configures_mpesa_against_the_simulator(tenants):
    from django.core.management import call_command

    from billing.models import DarajaSettings

    for _ in range(2):  # idempotent
        call_command(
            "demo_setup",
            tenant="alpha",
            agent_url="http://127.0.0.1:8799",
            agent_token="t" * 24,
            daraja_url="http://127.0.0.1:8790",
        )
    with schema_context("alpha"):
        config = DarajaSettings.objects.get()
        assert (config.base_url, config.shortcode) == ("http://127.0.0.1:8790", "174379")
        package = Package.objects.get()
        assert package.radius_server.name == "demo-radius" and package.price == 10


def test_a_paid_page_shows_the_credentials_only_once_radius_has_them(alpha_payment, tenant_client):
    """Reloaded (or caught up live) between settling and the RADIUS write, the page says it is
    setting up: credentials shown then would log in to a Reject."""
    from billing.choices import SyncState
    from tests.support import factories

    with schema_context("alpha"):
        subscription = factories.subscription(package_=alpha_payment.package)
        subscription.radius_state = SyncState.PENDING
        subscription.save()
        Payment.objects.filter(pk=alpha_payment.pk).update(
            status="completed", subscription=subscription
        )
    portal = tenant_client("alpha")
    page = portal.get(f"/portal/p/{alpha_payment.token}/").content.decode()
    assert "Setting up your access" in page and subscription.password not in page
    with schema_context("alpha"):
        subscription.radius_state = SyncState.SYNCED
        subscription.save()
    page = portal.get(f"/portal/p/{alpha_payment.token}/").content.decode()
    assert subscription.username in page and "data-auto-login" in page
