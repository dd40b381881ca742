"""Printable voucher sheets: code, password, profile, price and a QR code of the login link.

Built as one string, not a template loop: at 1,000 vouchers a sheet is mostly QR codes, and
segno's default search over the eight QR masks is 85% of its time. The mask is fixed (every
mask is valid QR; the search only picks the easiest to scan, which a printed voucher at this
size does not need) and the SVG is one path of horizontal runs, a third of segno's own size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

import segno
from django.db.models import QuerySet

from radtik.money import money_label
from vouchers.models import Voucher, VoucherBatch
from vouchers.selectors import batch_vouchers_in_order

# The QR codes' link when the operator names no hotspot: MikroTik answers its DNS name.
DEFAULT_LOGIN_URL = "http://hotspot.login/login"
DIRECT_MAX = 1000  # larger sheets are a background job (vouchers.tasks.PrintSheet)
QR_BORDER = 2
_RUN = re.compile(rb"\x01+")


@dataclass(frozen=True)
class Layout:
    label: str
    css: str


_CARD = (
    ".voucher{border:1px dashed #888;padding:3mm;break-inside:avoid;display:flex;gap:3mm;"
    "align-items:center}.code{font:700 1.1rem ui-monospace,monospace;letter-spacing:.08em}"
    ".meta{font-size:.75rem;color:#333}.qr{width:24mm;height:24mm;flex:none}"
)
LAYOUTS: dict[str, Layout] = {
    "a4": Layout(
        "A4 grid (4 × 10)",
        _CARD + ".sheet{display:grid;grid-template-columns:repeat(4,1fr);gap:3mm;padding:5mm}"
        "@media print{@page{size:A4;margin:6mm}}",
    ),
    "thermal58": Layout(
        "58 mm thermal roll",
        _CARD + ".sheet{width:48mm}.voucher{flex-direction:column;border-width:0 0 1px;"
        "padding:3mm 0}.qr{width:30mm;height:30mm}@media print{@page{size:58mm auto;margin:5mm}}",
    ),
    "thermal80": Layout(
        "80 mm thermal roll",
        _CARD + ".sheet{width:72mm}.voucher{border-width:0 0 1px;padding:3mm 0}"
        ".qr{width:28mm;height:28mm}@media print{@page{size:80mm auto;margin:4mm}}",
    ),
    "card": Layout(
        "One per card (85 × 54 mm)",
        _CARD + ".voucher{width:85mm;height:54mm;break-after:page;border:0}"
        ".qr{width:34mm;height:34mm}@media print{@page{size:85mm 54mm;margin:0}}",
    ),
}


def qr_svg(data: str) -> str:
    """The QR code of `data` as a compact inline SVG (one path, one unit per module)."""
    matrix = segno.make_qr(data, error="m", mask=0).matrix
    runs = "".join(
        f"M{m.start() + QR_BORDER} {y + QR_BORDER}.5h{m.end() - m.start()}"
        for y, row in enumerate(matrix)
        for m in _RUN.finditer(row)
    )
    size = len(matrix) + 2 * QR_BORDER
    return (
        f'<svg class="qr" viewBox="0 0 {size} {size}" aria-hidden="true">'
        f'<path stroke="#000" d="{runs}"/></svg>'
    )


def printable(batch: VoucherBatch) -> QuerySet[Voucher]:
    return batch_vouchers_in_order(batch).exclude(status="disabled")


def sheet_vouchers(batch: VoucherBatch, *, part: int = 1) -> Iterator[tuple[str, str]]:
    """(username, password) of the batch's printable vouchers, DIRECT_MAX per part."""
    start = (part - 1) * DIRECT_MAX
    rows = printable(batch).values_list("username", "password")[start : start + DIRECT_MAX]
    return rows.iterator(chunk_size=DIRECT_MAX)


def cards_html(
    batch: VoucherBatch,
    vouchers: Iterable[tuple[str, str]],
    *,
    login_url: str,
    currency: str,
    qr: bool = True,
) -> Iterator[str]:
    """One card of HTML per (username, password)."""
    meta = escape(f"{batch.profile.name} · {money_label(batch.profile.price, currency)}")
    for username, password in vouchers:
        shown = (
            f'<div class="meta">password <b>{escape(password)}</b></div>'
            if batch.separate_password
            else ""
        )
        image = ""
        if qr:
            query = urlencode({"username": username, "password": password})
            image = qr_svg(f"{login_url}?{query}")
        yield (
            f'<div class="voucher">{image}<div><div class="code">{escape(username)}</div>{shown}'
            f'<div class="meta">{meta}</div></div></div>'
        )


def sheet_document(*, title: str, layout: str, cards: Iterable[str], toolbar: str = "") -> str:
    """A whole print-ready HTML document: the page's and the print job's file alike."""
    css = LAYOUTS[layout].css
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f'</title><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>body{{font-family:system-ui,sans-serif;margin:0}}{css}"
        f"@media print{{.noprint{{display:none}}}}</style>"
        f'<script src="/static/radtik.js" defer></script></head><body>{toolbar}'
        f'<div class="sheet">{"".join(cards)}</div></body></html>'
    )
