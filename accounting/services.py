"""Writes of accounting outside the ingest."""

from __future__ import annotations

from accounting.models import Session
from routers.models import Router

CHUNK = 5000  # rows per DELETE: a busy router's years of sessions never lock the table long


def router_sessions_delete(router: Router) -> str:
    """A router being deleted takes its sessions along (open and closed). What they counted on
    vouchers and subscriptions stays: usage is never lowered (vouchers.usage)."""
    deleted = 0
    while True:
        ids = list(Session.objects.filter(router=router).values_list("pk", flat=True)[:CHUNK])
        if not ids:
            break
        deleted += Session.objects.filter(pk__in=ids).delete()[0]
    return f"{deleted} session(s) deleted"
