"""Which tenant the current database connection serves."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

_tenant_ids: dict[str, int] = {}


def tenant_id_for_schema(schema_name: str) -> int | None:
    """The Tenant id owning `schema_name`; None for the public schema. Ids never change: cached."""
    if schema_name == get_public_schema_name():
        return None
    if schema_name not in _tenant_ids:
        from tenants.models import Tenant

        with schema_context(get_public_schema_name()):
            _tenant_ids[schema_name] = Tenant.objects.values_list("pk", flat=True).get(
                schema_name=schema_name
            )
    return _tenant_ids[schema_name]


def current_tenant_id() -> int | None:
    return tenant_id_for_schema(connection.schema_name)
