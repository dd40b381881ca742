"""Reads shared by pages and the API; `filters` are a query's values, checked by the FilterSet."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet

from billing.choices import CallbackOutcome
from billing.filtersets import (
    CustomerFilter,
    PackageFilter,
    PaymentCallbackFilter,
    PaymentFilter,
    SubscriptionFilter,
)
from billing.models import (
    Customer,
    Package,
    Payment,
    PaymentCallback,
    PortalSettings,
    Subscription,
)
from radius.choices import OwnerKind
from radius.models import RadiusServer
from radius.namespace import radius_owner
from radius.users import RadiusOwner
from radtik.lists import filtered


def package_list(*, filters: Mapping | None = None) -> QuerySet[Package]:
    return filtered(PackageFilter, Package.objects.all(), filters)


def payment_list(*, filters: Mapping | None = None) -> QuerySet[Payment]:
    payments = Payment.objects.select_related("package", "subscription")
    return filtered(PaymentFilter, payments, filters)


def callback_list(*, filters: Mapping | None = None) -> QuerySet[PaymentCallback]:
    return filtered(PaymentCallbackFilter, PaymentCallback.objects.all(), filters)


def customer_list(*, filters: Mapping | None = None) -> QuerySet[Customer]:
    return filtered(CustomerFilter, Customer.objects.all(), filters)


def subscription_list(*, filters: Mapping | None = None) -> QuerySet[Subscription]:
    subscriptions = Subscription.objects.select_related("customer", "package", "router")
    return filtered(SubscriptionFilter, subscriptions, filters)


def subscription_owner(subscription_id: int) -> RadiusOwner:
    return radius_owner(kind=OwnerKind.SUBSCRIPTION, id=subscription_id)


def subscription_username_owners(
    server: RadiusServer, usernames: list[str]
) -> dict[str, RadiusOwner]:
    """The subscriptions of this server holding these names (registered in radius.namespace)."""
    on_server = Subscription.objects.filter(radius_server=server)
    if not on_server.exists():  # cheaper than sending 100,000 names to an empty match
        return {}
    rows = on_server.filter(username__any=set(usernames))
    return {name: subscription_owner(pk) for name, pk in rows.values_list("username", "pk")}


def callbacks_needing_attention() -> QuerySet:
    """Callbacks the inbox set aside after failing to match them, oldest first."""
    return PaymentCallback.objects.filter(outcome=CallbackOutcome.QUARANTINED).order_by("id")


def portal_settings() -> PortalSettings:
    """The tenant's portal look: the stored row, or the defaults (unsaved) before any."""
    return PortalSettings.objects.first() or PortalSettings()


def portal_packages(settings: PortalSettings | None = None) -> QuerySet[Package]:
    """What the portal sells: the chosen packages that are active, else every active one."""
    settings = settings or portal_settings()
    active = Package.objects.filter(active=True)
    if settings.pk is not None and settings.packages.exists():
        return active.filter(pk__in=settings.packages.values("pk"))
    return active
