"""The voucher sheet in chromium, as an operator prints it: from the batch page, the 58 mm roll
layout opens in a new tab with every voucher's code, price and a drawn QR code; in print the
toolbar is gone and each card fits the roll."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tests.support import factories
from vouchers.models import VoucherProfile

MM = 96 / 25.4  # CSS pixels per millimetre


def test_a_58mm_sheet_prints_one_card_per_row_with_its_qr_code(tenant_page):
    with schema_context("alpha"):
        profile = VoucherProfile.objects.create(name="1 hour", time_limit=3600, price=10)
        batch = factories.voucher_batch(vouchers=12, profile=profile)
    page = tenant_page("alpha", role="operator")
    page.goto(f"/vouchers/batches/{batch.pk}/")
    form = page.locator("form[action$='/sheet/']")
    form.locator("select[name=layout]").select_option("thermal58")
    with page.context.expect_page() as opened:
        form.locator("button").click()
    sheet = opened.value
    sheet.wait_for_load_state()
    cards = sheet.locator(".voucher")
    assert cards.count() == 12
    assert f"B{batch.pk}V0" in cards.first.inner_text()
    assert "1 hour · KES 10" in cards.first.inner_text()
    qr = sheet.locator(".voucher svg.qr").first.bounding_box()
    assert abs(qr["width"] - 30 * MM) < 2  # 30 mm square on the roll
    sheet.emulate_media(media="print")
    assert not sheet.locator(".noprint").is_visible()  # the Print button stays off the paper
    for box in (cards.nth(i).bounding_box() for i in range(3)):
        assert box["width"] <= 48 * MM + 1  # the printable width of a 58 mm roll
    tops = [cards.nth(i).bounding_box()["y"] for i in range(3)]
    assert tops == sorted(set(tops))  # one card per row, down the roll
