"""Reads shared by pages and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from billing.choices import CallbackOutcome
from billing.models import Payment, PaymentCallback, Subscription
from radius.choices import OwnerKind
from radius.models import RadiusServer
from radius.namespace import radius_owner
from radius.users import RadiusOwner


def subscription_owner(subscription_id: int) -> RadiusOwner:
    return radius_owner(kind=OwnerKind.SUBSCRIPTION, id=subscription_id)


def subscription_username_owners(
    server: RadiusServer, usernames: list[str]
) -> dict[str, RadiusOwner]:
    """The subscriptions of this server holding these names (registered in radius.namespace)."""
    rows = Subscription.objects.filter(radius_server=server, username__in=usernames)
    return {name: subscription_owner(pk) for name, pk in rows.values_list("username", "pk")}


def payment_list(*, status: str | None = None, resolved_via: str | None = None) -> QuerySet:
    payments = Payment.objects.select_related("package", "subscription")
    if status:
        payments = payments.filter(status=status)
    if resolved_via:
        payments = payments.filter(resolved_via=resolved_via)
    return payments


def subscription_list(*, status: str | None = None) -> QuerySet:
    subscriptions = Subscription.objects.select_related("customer", "package", "router")
    if status:
        subscriptions = subscriptions.filter(status=status)
    return subscriptions


def callbacks_needing_attention() -> QuerySet:
    """Callbacks the inbox set aside after failing to match them, oldest first."""
    return PaymentCallback.objects.filter(outcome=CallbackOutcome.QUARANTINED).order_by("id")
