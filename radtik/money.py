"""Amounts as a customer reads them, in the tenant's currency: one label for the voucher sheet,
the portal and the operator pages, so a price never reads differently in two places."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

DEFAULT_CURRENCY = "KES"


def tenant_currency() -> str:
    """The currency of the tenant the connection serves (its settings page sets it)."""
    known = getattr(connection.tenant, "currency", "")
    if known:
        return known
    # schema_context (tasks, websocket fragments) sets a stand-in tenant without fields.
    from tenants.models import Tenant

    stored = (
        Tenant.objects.filter(schema_name=connection.schema_name)
        .values_list("currency", flat=True)
        .first()
    )
    return stored or DEFAULT_CURRENCY


def money_label(amount: Decimal | int | None, currency: str | None = None) -> str:
    """'KES 10', 'KES 10.50', 'KES 1,000': whole amounts without cents."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    shown = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{currency or tenant_currency()} {shown}"
