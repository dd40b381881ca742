"""The print job: a batch's whole sheet written to a print-ready HTML file, with progress.

Files live under settings.PRINT_FILES_DIR, one folder per tenant schema (a shared folder when
web and workers run on several hosts); a file is served only to its own tenant (views)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from radtik.jobs.context import JobContext
from vouchers.models import VoucherBatch
from vouchers.sheets import cards_html, printable, sheet_document

CHUNK = 1000


def print_file_path(schema_name: str, job_id: int) -> Path:
    return Path(settings.PRINT_FILES_DIR) / schema_name / f"sheet-{job_id}.html"


def sheet_print_run(ctx: JobContext) -> dict[str, object]:
    """Job body. Writes to a temporary name and renames at the end: a retried or interrupted
    job never leaves half a sheet behind under the final name."""
    params = ctx.params
    batch = VoucherBatch.objects.select_related("profile").get(pk=params["batch_id"])
    vouchers = printable(batch)
    total = vouchers.count()
    path = print_file_path(ctx.schema_name, ctx.job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    ctx.progress("rendering", 0, f"Rendering {total} voucher(s)")
    cards: list[str] = []
    done = 0
    last_id = 0
    while True:
        rows = vouchers.filter(id__gt=last_id).values_list("id", "username", "password")
        chunk = list(rows[:CHUNK])
        if not chunk:
            break
        cards.extend(
            cards_html(
                batch,
                [(username, password) for _, username, password in chunk],
                login_url=params["login_url"],
                currency=params["currency"],
                qr=params["qr"],
            )
        )
        last_id = chunk[-1][0]
        done += len(chunk)
        ctx.progress("rendering", min(99, done * 100 // max(total, 1)), f"{done} of {total}")
    html = sheet_document(
        title=f"Vouchers · batch {batch.pk}",
        layout=params["layout"],
        cards=cards,
        toolbar='<p class="noprint"><button data-print>Print</button></p>',
    )
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, path)
    return {
        "vouchers": total,
        "bytes": path.stat().st_size,
        "download": f"/vouchers/batches/{batch.pk}/print-files/{ctx.job.pk}/",
    }
