"""Tenant isolation tests, NetBox-style: a test class names one tenant resource and inherits the
same tests — tenant beta cannot list, read, change or delete tenant alpha's object.

    class TestVoucherIsolation(ApiIsolation, ChangeIsolation):
        model, make = Voucher, staticmethod(factories.voucher)
        api = "/api/vouchers/"
        writes = (("post", "/api/vouchers/{obj.pk}/disable/", {}),)

Paths are formatted with the object (`{obj.pk}`, `{obj.token}`). Each test first proves that
alpha's own admin reaches the object at the same path: a 404 for beta then means isolation, not
a wrong path, and a view that looked objects up outside the tenant's schema (the public one)
fails on alpha's side.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Model
from django_tenants.utils import schema_context

from radtik.jobs.models import Job

OWNER, OTHER = "alpha", "beta"


def ids_apart(model: type[Model]) -> None:
    """Move alpha's id sequence for `model` past every id beta has handed out, so that beta
    never holds a row with the id of alpha's new object (schemas number rows independently)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')",
            [f'"{OWNER}"."{table}"', f'"{OTHER}"."{table}"'],
        )
        owner_seq, other_seq = cursor.fetchone()
        cursor.execute(
            "SELECT setval(%s, GREATEST(nextval(%s), nextval(%s)))",
            [owner_seq, other_seq, owner_seq],
        )


def _call(client, method: str, path: str, body: dict | None = None):
    if path.startswith("/api/"):
        return getattr(client, method)(path, body or {}, content_type="application/json")
    return getattr(client, method)(path, body or {})


class Isolation:
    """The shared set-up; mix in the tests that apply. A case sets `model`, `make` (creates one
    object in the current schema, with no side effects) and, as its tests need: `api` (the list
    URL; the detail is `{api}{obj.pk}/`), `pages` and `reads` (GET paths), `writes` ((method,
    path, body) that change the object; a fourth item is the refusal's status where it is not
    404, e.g. a page that redirects with a message))."""

    model: type[Model]
    make: Callable[[], Model]
    api: str | None = None
    pages: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    writes: tuple[tuple, ...] = ()

    @pytest.fixture
    def world(self, tenants, make_user, tenant_client):
        owner = tenant_client(OWNER, make_user(OWNER, "owner", role="admin"))
        other = tenant_client(OTHER, make_user(OTHER, "intruder", role="admin"))
        with schema_context(OWNER):
            ids_apart(self.model)
            obj = type(self).make()
        assert isinstance(obj, self.model)
        return SimpleNamespace(obj=obj, owner=owner, other=other)

    def paths(self, obj: Model, *paths: str) -> list[str]:
        return [path.format(obj=obj) for path in paths]

    def snapshot(self, obj: Model) -> dict:
        """The object's row and alpha's job count: a refused write changes neither."""
        with schema_context(OWNER):
            row = self.model.objects.filter(pk=obj.pk).values().first()
            return {"row": row, "jobs": Job.objects.count()}


class ListIsolation(Isolation):
    def test_other_tenant_cannot_list(self, world):
        listed = f"{self.api}?limit=500"
        assert world.obj.pk in {row["id"] for row in world.owner.get(listed).json()["results"]}
        assert world.obj.pk not in {row["id"] for row in world.other.get(listed).json()["results"]}


class ReadIsolation(Isolation):
    def test_other_tenant_cannot_read(self, world):
        detail = (f"{self.api}{{obj.pk}}/",) if self.api else ()
        for path in self.paths(world.obj, *detail, *self.reads, *self.pages):
            assert world.owner.get(path).status_code == 200, f"{path}: the owner's read"
            assert world.other.get(path).status_code == 404, f"{path}: another tenant's read"


class ChangeIsolation(Isolation):
    def test_other_tenant_cannot_change(self, world):
        before = self.snapshot(world.obj)
        for method, template, body, *refusal in self.writes:
            (path,) = self.paths(world.obj, template)
            response = _call(world.other, method, path, body)
            expected = refusal[0] if refusal else 404
            assert response.status_code == expected, (
                f"{method.upper()} {path}: {response.content!r}"
            )
        assert self.snapshot(world.obj) == before


class DeleteIsolation(Isolation):
    def test_other_tenant_cannot_delete(self, world):
        before = self.snapshot(world.obj)
        assert world.other.delete(f"{self.api}{world.obj.pk}/").status_code == 404
        assert self.snapshot(world.obj) == before


class ApiIsolation(ListIsolation, ReadIsolation):
    """A read-only API resource (and its pages)."""


class TenantIsolation(ApiIsolation, ChangeIsolation, DeleteIsolation):
    """All four."""
