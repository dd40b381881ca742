"""Reads shared by pages and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from billing.models import Payment, Subscription


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
