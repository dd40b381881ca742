"""Realtime for payments: operators watch `payments`; the portal page watches `payment.<token>`.

JSON payloads follow the platform rules (phones masked, no secrets). The portal page's fragment
carries the credentials: billing.fragments reads them at the edge, for the per-payment group
only, whose name is the unguessable token that only the paying customer's page knows.
"""

from __future__ import annotations

from typing import Any

from billing.choices import PAYMENTS_TOPIC, SUBSCRIPTIONS_TOPIC
from billing.models import Payment, Subscription
from billing.mpesa import mask_phone
from radtik.events import publish, publish_many
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
        "created_at": payment.created_at.isoformat(),
    }


def payment_publish(payment: Payment, event: str) -> None:
    """Tell operators and the paying customer's page that `payment` changed."""
    payments_publish([(payment, event)])


def payments_publish(changes: list[tuple[Payment, str]]) -> None:
    """payment_publish for many payments (a settled batch), sent together after commit."""
    events: list[tuple[str, str, dict | None]] = []
    for payment, event in changes:
        portal_payload = {
            "status": payment.status,
            "reason": payment.status_reason,
            "username": payment.subscription.username if payment.subscription else "",
        }
        events += [
            (PAYMENTS_TOPIC, event, payment_payload(payment)),
            (payment.topic, event, portal_payload),
        ]
    publish_many(current_tenant_id(), events)


def subscription_publish(subscription: Subscription, event: str) -> None:
    """A subscription's state changed (its access ended: accounting listens)."""
    publish(
        current_tenant_id(),
        SUBSCRIPTIONS_TOPIC,
        event,
        {
            "subscription": {"id": subscription.pk, "username": subscription.username},
            "status": subscription.status,
            "server": subscription.radius_server_id,
        },
    )
