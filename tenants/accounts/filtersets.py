"""The query filters of the account's user list, shared by the Users page and /api/users/."""

import django_filters

from tenants.accounts.models import User


class UserFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(lookup_expr="icontains", label="Username contains")
    sort = django_filters.OrderingFilter(
        fields=["username", "role", "last_login", "date_joined"], label="Sort"
    )

    class Meta:
        model = User
        fields = ["username", "role", "is_active"]
