"""Portal settings: an admin sets the portal's title, logo, colours, terms and the packages it
sells, on the page or through the API; customers see them on the portal, and the router's login
page carries the title from the next deploy. A bad logo is refused in words."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django_tenants.utils import schema_context

from billing.models import Package
from provisioning.plan import desired_items
from provisioning.services import config_as_deployed
from radius.models import RadiusServer

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def packages(tenants):
    with schema_context("alpha"):
        server = RadiusServer.objects.create(
            name="r", host="127.0.0.1", api_base_url="http://127.0.0.1:1", auth_token="t"
        )
        hour = Package.objects.create(
            name="Hour", price=10, validity_seconds=3600, radius_server=server
        )
        day = Package.objects.create(
            name="Day", price=50, validity_seconds=86400, radius_server=server
        )
    return hour, day


@pytest.fixture
def admin(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "padmin", role="admin"))


def test_the_portal_wears_what_the_admin_set_on_the_page(admin, packages, tenant_client):
    hour, day = packages
    currency = admin.patch("/api/settings/", {"currency": "TZS"}, content_type="application/json")
    assert currency.status_code == 200, currency.content
    form = admin.get("/billing/portal/").content.decode()
    assert 'enctype="multipart/form-data"' in form and "Day" in form
    saved = admin.post(
        "/billing/portal/",
        {
            "title": "Mama Njeri's WiFi",
            "accent_colour": "#aa3300",
            "background_colour": "#fffbea",
            "terms": "No streaming of pirated films.",
            "packages": [day.pk],
            "logo": SimpleUploadedFile("logo.png", PNG, content_type="image/png"),
        },
        follow=True,
    )
    assert "Portal settings saved." in saved.content.decode()

    portal = tenant_client("alpha").get("/portal/?mac=AA:BB:CC:DD:EE:01").content.decode()
    assert "<title>Buy WiFi · Mama Njeri&#x27;s WiFi</title>" in portal
    assert "<h1>Mama Njeri&#x27;s WiFi</h1>" in portal
    assert "background:#fffbea" in portal and "background:#aa3300" in portal
    assert "No streaming of pirated films." in portal
    # Only the chosen package is on sale, priced in the account's currency.
    assert "Day</strong> — TZS 50" in portal and "Hour" not in portal
    logo_url = re.search(r'<img class="logo" src="([^"]+)"', portal).group(1)
    logo = tenant_client("alpha").get(logo_url)
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert logo.content == PNG and logo["X-Content-Type-Options"] == "nosniff"
    # A package the portal does not show cannot be bought from it either.
    refused = tenant_client("alpha").post(
        "/portal/", {"package_id": hour.pk, "phone_number": "0712345678", "mac": ""}
    )
    assert refused.status_code == 400
    assert "choose one of the packages on offer" in refused.content.decode()
    assert [p["name"] for p in tenant_client("alpha").get("/api/packages/public/").json()] == [
        "Day"
    ]
    # Another account's portal is its own.
    beta = tenant_client("beta").get("/portal/").content.decode()
    assert "Mama Njeri" not in beta and "pirated" not in beta
    assert tenant_client("beta").get("/portal/logo/").status_code == 404


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("logo.svg", b"<svg onload='alert(1)'/>", "Upload the logo as a PNG, JPEG, GIF or WebP"),
        ("big.png", PNG + b"\x00" * 300_000, "The logo is over 200 KB."),
    ],
)
def test_a_bad_logo_is_refused_beside_its_field(admin, packages, name, data, message):
    response = admin.post(
        "/billing/portal/",
        {
            "title": "x",
            "accent_colour": "#000000",
            "background_colour": "#ffffff",
            "logo": SimpleUploadedFile(name, data),
        },
    )
    assert response.status_code == 400
    assert f"Logo: {message}" in response.content.decode()


def test_portal_settings_api_reads_defaults_and_admins_change_them(
    admin, packages, make_user, tenant_client
):
    hour, day = packages
    defaults = admin.get("/api/portal-settings/").json()
    assert defaults["title"] == "" and defaults["accent_colour"] == "#0a7d32"
    assert defaults["packages"] == [] and defaults["logo_url"] is None

    changed = admin.patch(
        "/api/portal-settings/",
        {"title": "Kibanda Net", "packages": [hour.pk]},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "Kibanda Net" and changed.json()["packages"] == [hour.pk]

    # The logo as a multipart upload; a removal drops it again.
    gif = SimpleUploadedFile("l.gif", b"GIF89a" + b"\x00" * 20)
    upload = admin.patch(
        "/api/portal-settings/",
        encode_multipart(BOUNDARY, {"logo": gif}),
        content_type=MULTIPART_CONTENT,
    )
    assert upload.status_code == 200, upload.content
    assert upload.json()["logo_url"] == "/portal/logo/"
    assert admin.get("/portal/logo/")["Content-Type"] == "image/gif"
    svg = SimpleUploadedFile("l.svg", b"<svg/>")
    refused = admin.patch(
        "/api/portal-settings/",
        encode_multipart(BOUNDARY, {"logo": svg}),
        content_type=MULTIPART_CONTENT,
    )
    assert refused.status_code == 400 and "PNG, JPEG, GIF or WebP" in refused.content.decode()
    removed = admin.patch(
        "/api/portal-settings/", {"remove_logo": True}, content_type="application/json"
    )
    assert removed.json()["logo_url"] is None
    bad = admin.patch(
        "/api/portal-settings/", {"accent_colour": "red"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "#RRGGBB" in bad.content.decode()

    viewer = tenant_client("alpha", make_user("alpha", "pviewer", role="viewer"))
    assert viewer.get("/api/portal-settings/").json()["title"] == "Kibanda Net"
    assert (
        viewer.patch(
            "/api/portal-settings/", {"title": "mine"}, content_type="application/json"
        ).status_code
        == 403
    )
    beta = tenant_client("beta", make_user("beta", "badmin", role="admin"))
    assert beta.get("/api/portal-settings/").json()["title"] == ""


def test_the_router_login_page_carries_the_portal_title(admin, packages):
    admin.patch(
        "/api/portal-settings/",
        {"title": "Café <Joe> $(5) off"},
        content_type="application/json",
    )
    config = {
        "hotspot": {
            "enabled": True,
            "interfaces": ["ether2"],
            "wan_interface": "ether1",
            "address_pool": "10.5.50.10-10.5.50.200",
            "gateway": "10.5.50.1",
            "login_methods": ["http-chap", "cookie"],
            "portal_url": "http://alpha.localhost/portal/",
        }
    }
    with schema_context("alpha"):
        files = {
            item.fields["name"]: item.fields["contents"]
            for item in desired_items(config_as_deployed(config))
            if item.path == "/file"
        }
    login = files["radtik-hotspot/login.html"]
    # Escaped for HTML, and its "$" kept from RouterOS's $(variables).
    assert "<title>Café &lt;Joe&gt; &#36;(5) off</title>" in login
    assert "http://alpha.localhost/portal/?mac=$(mac-esc)" in login


def test_a_renewal_buys_its_own_package_even_when_the_portal_hides_it(admin, packages):
    from billing.services import PaymentPushFailed, payment_initiate
    from tests.support import factories

    hour, day = packages
    admin.patch("/api/portal-settings/", {"packages": [day.pk]}, content_type="application/json")
    with schema_context("alpha"):
        renewing = factories.subscription(package_=hour)
        daraja = factories.daraja_settings()
        daraja.base_url = "http://127.0.0.1:9"  # nothing listens: never Safaricom's sandbox
        daraja.save()
        for kwargs, refused in (
            ({"package_id": hour.pk}, True),  # a new purchase: not on offer
            ({"package_id": None, "subscription": renewing}, False),  # its own package
        ):
            try:
                payment_initiate(phone_number="0712345678", base_url="http://x", **kwargs)
            except ValidationError as exc:
                assert ("package_id" in getattr(exc, "error_dict", {})) is refused, exc
            except PaymentPushFailed:  # past validation: the STK push to an unreachable Daraja
                assert not refused
            else:
                assert not refused
