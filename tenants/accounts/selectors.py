"""Reads of the account's users (the page and the API list: one query, one validation)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet

from radtik.lists import filtered
from tenants.accounts.filtersets import UserFilter
from tenants.accounts.models import User


def user_list(*, filters: Mapping | None = None) -> QuerySet[User]:
    return filtered(UserFilter, User.objects.order_by("username"), filters)
