"""Payments on htmx pages: the operators' row (from the event) and the portal's status block
(read from the database: it shows the credentials, which events never carry)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime

from billing.choices import PAYMENTS_TOPIC, PORTAL_TOPIC_PREFIX, SyncState
from billing.models import Package, Payment
from radtik.realtime.fragments import Event, fragment_renderer


def portal_context(payment: Payment) -> dict[str, Any]:
    """What the portal shows for a payment: credentials only once access is ready."""
    subscription = payment.subscription
    # A job that gave up on RADIUS or the router user: the credentials would not work.
    access_failed = subscription is not None and SyncState.FAILED in (
        subscription.radius_state,
        subscription.router_state,
    )
    # Written to RADIUS and the router first: credentials shown earlier (a reload, or a live
    # page catching up between settling and the write) log in to a Reject.
    written = subscription is not None and {
        subscription.radius_state,
        subscription.router_state,
    } <= {SyncState.SYNCED, SyncState.NOT_NEEDED}
    ready = payment.status == "completed" and written
    return {
        "payment": payment,
        "subscription": subscription if ready else None,
        "access_failed": access_failed,
        # A renewal's payer named the account only: no credentials, no login form.
        "renewal": payment.renewal,
    }


@fragment_renderer(topics=(PAYMENTS_TOPIC, f"{PORTAL_TOPIC_PREFIX}*"))
def payment_fragment(event: Event) -> str:
    if event.topic == PAYMENTS_TOPIC:
        return _payment_row(event)
    token = event.topic.removeprefix(PORTAL_TOPIC_PREFIX)
    payment = Payment.objects.select_related("subscription").filter(token=token).first()
    if payment is None:
        return ""
    return render_to_string("billing/partials/portal_status.html", portal_context(payment))


def _payment_row(event: Event) -> str:
    p = event.payload
    payment = Payment(  # never saved: the row as the event describes it
        pk=p["id"],
        status=p["status"],
        status_reason=p["reason"],
        amount=Decimal(p["amount"]),
        phone=p["phone"],
        package=Package(name=p["package"]),
        receipt=p["receipt"] or None,
        resolved_via=p["resolved_via"],
        created_at=parse_datetime(p["created_at"]),
    )
    context = {"p": payment, "oob": True, "new": event.event == "payment.initiated"}
    return render_to_string("billing/partials/payment_row.html", context)
