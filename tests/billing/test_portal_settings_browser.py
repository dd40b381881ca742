"""Portal settings in a real browser at phone width: the admin sets the look on the page, and the
portal a customer opens wears it (heading, logo drawn, button colour, terms, only the chosen
package), without sideways scrolling."""

from __future__ import annotations

import struct
import zlib

from django_tenants.utils import schema_context

from billing.models import Package
from radius.models import RadiusServer
from tests.support.browser import overflows


def png(width: int = 8, height: int = 4) -> bytes:
    """A small valid PNG (a browser must decode it, not only accept its first bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xaa\x33\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_an_admin_styles_the_portal_and_a_phone_sees_it(tenant_page):
    with schema_context("alpha"):
        server = RadiusServer.objects.create(
            name="r", host="127.0.0.1", api_base_url="http://127.0.0.1:1", auth_token="t"
        )
        Package.objects.create(name="Hour", price=10, validity_seconds=3600, radius_server=server)
        day = Package.objects.create(
            name="Day", price=50, validity_seconds=86400, radius_server=server
        )
    page = tenant_page("alpha", role="admin", width=390, height=844)
    page.goto("/settings/")
    page.click("text=Portal settings")
    page.fill("input[name=title]", "Mama Njeri WiFi")
    page.fill("input[name=accent_colour]", "#aa3300")
    page.fill("textarea[name=terms]", "Be kind to other users.")
    page.check(f"input[name=packages][value='{day.pk}']")
    page.set_input_files(
        "input[name=logo]", {"name": "logo.png", "mimeType": "image/png", "buffer": png()}
    )
    with page.expect_navigation():
        page.click("form.grid-form button")
    assert "Portal settings saved." in page.inner_text("body")

    page.goto("/portal/?mac=AA:BB:CC:00:00:07")
    assert page.inner_text("h1") == "Mama Njeri WiFi"
    assert page.title() == "Buy WiFi · Mama Njeri WiFi"
    assert page.evaluate("document.querySelector('img.logo').naturalWidth") == 8
    button = "form[name=pay] button"
    assert page.eval_on_selector(button, "b => getComputedStyle(b).backgroundColor") == (
        "rgb(170, 51, 0)"
    )
    packages = page.inner_text("form[name=pay]")
    assert "Day" in packages and "Hour" not in packages
    page.click("summary")
    assert "Be kind to other users." in page.inner_text("details.terms")
    assert overflows(page) == 0
