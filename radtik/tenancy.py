"""Which tenant the current database connection serves."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

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


@contextmanager
def tenant_schema(schema_name: str) -> Iterator[None]:
    """schema_context with the Tenant row on the connection, as a request has it: code reading
    the current tenant (its name, time zone, quiet hours) finds it there instead of querying for
    it once per item of a batch. For work of seconds: the row is read once, at entry."""
    from tenants.models import Tenant

    with schema_context(get_public_schema_name()):
        tenant = Tenant.objects.filter(schema_name=schema_name).first()
    if tenant is None:  # a schema without its row (being dropped): as schema_context does
        with schema_context(schema_name):
            yield
        return
    with tenant_context(tenant):
        yield
