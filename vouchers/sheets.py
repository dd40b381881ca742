"""Printable voucher sheets: code, password, profile, price and a QR code of the login link."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import segno

from vouchers.models import VoucherBatch


def sheet_rows(batch: VoucherBatch, *, login_url: str) -> Iterator[dict[str, str]]:
    for voucher in batch.vouchers.exclude(status="disabled").iterator(chunk_size=500):
        link = (
            f"{login_url}?{urlencode({'username': voucher.username, 'password': voucher.password})}"
        )
        yield {
            "username": voucher.username,
            "password": voucher.password,
            "qr": segno.make(link, error="m").svg_inline(scale=2),
        }
