"""What each radtik role may do in the Django admin, as the pages and the API let it: viewers
read, operators run the day-to-day writes (voucher batches and vouchers, customers and
subscriptions), admins manage the account (routers, RADIUS, profiles, packages, users, ...).
Roles replace Django's groups and per-user permissions."""

from __future__ import annotations

from tenants.accounts.models import Role

# Models an operator may add, change and delete (the API's operator writes).
OPERATOR_MODELS = {
    "vouchers.voucherbatch",
    "vouchers.voucher",
    "billing.customer",
    "billing.subscription",
}
# Only admins see the users of the account.
ADMIN_ONLY_APPS = {"accounts"}


def role_allows(role: str, perm: str) -> bool:
    """`perm` as Django names it: "<app_label>.<action>_<model>"."""
    if role == Role.ADMIN:
        return True
    app_label, _, codename = perm.partition(".")
    action, _, model = codename.partition("_")
    if app_label in ADMIN_ONLY_APPS:
        return False
    if action == "view":
        return role in (Role.VIEWER, Role.OPERATOR)
    return role == Role.OPERATOR and f"{app_label}.{model}" in OPERATOR_MODELS


def role_allows_app(role: str, app_label: str) -> bool:
    return role == Role.ADMIN or (
        role in (Role.VIEWER, Role.OPERATOR) and app_label not in ADMIN_ONLY_APPS
    )
