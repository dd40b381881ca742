"""Realtime for payments: operators watch `payments`; the portal page watches `payment.<token>`.

JSON payloads follow the platform rules (phones masked, no secrets). The portal's HTML fragment
carries the credentials: it goes only to the per-payment group, whose name is the unguessable
token that only the paying customer's page knows.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from billing.choices import PAYMENTS_TOPIC, SyncState
from billing.models import Payment
from billing.mpesa import mask_phone
from radtik.events import publish
from radtik.tenancy import current_tenant_id


def payment_payload(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "status": payment.status,
        "reason": payment.status_reason,
        "amount": str(payment.amount),
        "phone": mask_phone(payment.phone),
        "package": payment.package.name,
        "receipt": payment.receipt or "",
        "resolved_via": payment.resolved_via,
        "subscription": payment.subscription_id,
    }


def portal_context(payment: Payment) -> dict[str, Any]:
    """What the portal shows for a payment: credentials only once access is ready."""
    subscription = payment.subscription
    # A job that gave up on RADIUS or the router user: the credentials would not work.
    access_failed = subscription is not None and SyncState.FAILED in (
        subscription.radius_state,
        subscription.router_state,
    )
    ready = payment.status == "completed" and subscription is not None and not access_failed
    login_link = ""
    if ready:
        from urllib.parse import urlencode

        query = urlencode({"username": subscription.username, "password": subscription.password})
        login_link = f"{payment.login_url}?{query}"
    return {
        "payment": payment,
        "subscription": subscription if ready else None,
        "login_link": login_link,
        "access_failed": access_failed,
    }


def payment_publish(payment: Payment, event: str) -> None:
    """Tell operators and the paying customer's page that `payment` changed."""
    tenant_id = current_tenant_id()
    row = render_to_string(
        "billing/partials/payment_row.html",
        {"p": payment, "oob": True, "new": event == "payment.initiated"},
    )
    publish(tenant_id, PAYMENTS_TOPIC, event, payment_payload(payment), html=row)
    portal_html = render_to_string("billing/partials/portal_status.html", portal_context(payment))
    portal_payload = {
        "status": payment.status,
        "reason": payment.status_reason,
        "username": payment.subscription.username if payment.subscription else "",
    }
    publish(tenant_id, payment.topic, event, portal_payload, html=portal_html)
