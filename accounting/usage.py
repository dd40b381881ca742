"""What sessions change on the vouchers and subscriptions they used: registered as the ingest's
page hook, so it commits with the page (a page read again finds nothing left to change)."""

from __future__ import annotations

from django.db.models import F, Max, Min, Sum

from accounting.ingest import SessionChange, page_hook_add
from accounting.models import Session
from billing.usage import subscriptions_usage_record
from radius.models import RadiusServer
from radtik import lookups  # noqa: F401  (field__any)
from vouchers.usage import vouchers_first_use, vouchers_usage_record


def usage_after_page(server: RadiusServer, changes: list[SessionChange]) -> None:
    vouchers = {c.row["voucher_id"] for c in changes if c.row["voucher_id"]}
    subscriptions = {c.row["subscription_id"] for c in changes if c.row["subscription_id"]}
    if vouchers:
        totals = _totals("voucher_id", vouchers)
        vouchers_first_use(
            first={pk: t["first"] for pk, t in totals.items() if t["first"] is not None}
        )
        vouchers_usage_record(usage={pk: (t["seconds"], t["octets"]) for pk, t in totals.items()})
    if subscriptions:
        totals = _totals("subscription_id", subscriptions)
        subscriptions_usage_record(
            usage={pk: (t["seconds"], t["octets"], t["last"]) for pk, t in totals.items()}
        )


def _totals(owner: str, ids: set[int]) -> dict[int, dict]:
    """Per owner, over all its sessions (the partial index on the owner column): time, data,
    first and last start."""
    rows = (
        Session.objects.filter(**{f"{owner}__any": list(ids)})
        .values(owner)
        .annotate(
            seconds=Sum("session_time"),
            octets=Sum(F("input_octets") + F("output_octets")),
            first=Min("started_at"),
            last=Max("started_at"),
        )
        .order_by()
    )
    return {row.pop(owner): row for row in rows}


page_hook_add(usage_after_page)
