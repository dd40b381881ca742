"""The portal's one-tap login link carries a paid customer's credentials: it may point only at
this account's own hotspots, whatever `link-login-only` a crafted portal link carries."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from billing.models import DarajaSettings, Package, Payment
from provisioning.models import RouterConfig
from routers.models import Router

pytestmark = pytest.mark.django_db

DEFAULT_LOGIN = "http://hotspot.login/login"


@pytest.fixture
def shop(tenants):
    with schema_context("alpha"):
        # Nothing listens there: the push fails, and the payment keeps the login URL it chose.
        DarajaSettings.objects.create(
            shortcode="174379",
            passkey="p",
            consumer_key="k",
            consumer_secret="s",
            base_url="http://127.0.0.1:9",
            hotspot_login_url=DEFAULT_LOGIN,
        )
        router = Router.objects.create(
            name="hs-1", host="192.0.2.10", api_username="admin", api_password="admin"
        )
        RouterConfig.objects.create(
            router=router, version=1, config={"hotspot": {"gateway": "10.5.50.1"}}
        )
        return Package.objects.create(name="1 hour", price=50, validity_seconds=3600)


def login_url_after_buying(tenant_client, package, link_login_only: str) -> str:
    response = tenant_client("alpha").post(
        "/portal/?mac=AA:BB:CC:DD:EE:01",
        {"package_id": package.pk, "phone_number": "0712345678", "login_url": link_login_only},
    )
    assert response.status_code == 302, response.content
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    with schema_context("alpha"):
        return Payment.objects.get(token=token).login_url


@pytest.mark.parametrize(
    "link",
    [
        "http://10.5.50.1/login",  # the hotspot gateway of the router's service config
        "https://192.0.2.10/login",  # the router's own address
        DEFAULT_LOGIN,  # the account's configured login URL
    ],
)
def test_own_hotspot_login_urls_are_kept(shop, tenant_client, link):
    assert login_url_after_buying(tenant_client, shop, link) == link


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/collect",
        "http://10.5.50.1@evil.example/login",  # user-info trick: the host is evil.example
        "http://10.5.50.1.evil.example/login",
        "javascript:alert(1)//10.5.50.1",
        "http://[::1/login",
    ],
)
def test_foreign_login_urls_fall_back_to_the_configured_one(shop, tenant_client, link):
    assert login_url_after_buying(tenant_client, shop, link) == DEFAULT_LOGIN


@pytest.mark.parametrize(
    ("link", "action"),
    [
        ("http://10.5.50.1/login", "http://10.5.50.1/login"),
        ("https://evil.example/c", DEFAULT_LOGIN),
    ],
)
def test_a_voucher_code_is_posted_only_to_an_own_hotspot(shop, tenant_client, link, action):
    page = tenant_client("alpha").post(
        "/portal/voucher/",
        {"code": "HS42QX", "login_url": link, "link_orig": "javascript:alert(1)"},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert f'action="{action}" data-auto-login' in text
    assert 'name="password" value="HS42QX"' in text  # no password typed: the code is both
    assert "javascript:" not in text  # not a web address: no dst
