"""router_status_set owns every change of Router.status: saved, audited, told to the pages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from radtik.audit.models import AuditEntry
from radtik.tenancy import tenant_id_for_schema
from routers import services
from routers.models import Router

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
APPS = ("routers", "provisioning", "billing", "radius", "vouchers", "tenants", "radtik")


@pytest.fixture
def router(tenants):
    with schema_context("alpha"):
        return services.router_create(name="edge-1", host="10.0.0.9").router


def published(router: Router, count: int, change) -> list[dict]:
    """The first `count` messages `change()` publishes on the router's page topic."""
    group = f"tenant.{tenant_id_for_schema('alpha')}.router.{router.pk}"
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    try:
        change()
        return [async_to_sync(layer.receive)(channel) for _ in range(count)]
    finally:
        async_to_sync(layer.group_discard)(group, channel)


def test_rotating_the_token_sets_the_status_with_audit_and_event(
    router, make_user, django_capture_on_commit_callbacks
):
    with schema_context("alpha"):
        Router.objects.filter(pk=router.pk).update(status="online", last_error="old error")
        router.refresh_from_db()
    admin = make_user("alpha", "rotator", role="admin")

    def rotate():
        with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
            services.router_rotate_token(router=router, actor=admin)

    (event,) = published(router, 1, rotate)
    assert event["event"] == "RouterStatusUpdated"
    assert event["payload"]["status"] == "config_pending"
    with schema_context("alpha"):
        router.refresh_from_db()
        assert router.status == "config_pending"
        assert router.last_error == "old error"  # a status change alone keeps the last error
        entry = AuditEntry.objects.filter(action="router.status", object_id=str(router.pk)).get()
        assert entry.changes == {"status": {"old": "online", "new": "config_pending"}}
        assert entry.actor == admin


def test_reaching_a_router_announces_it_then_its_status(router, django_capture_on_commit_callbacks):
    def reach():
        with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
            services.router_status_set(
                router=router, status="online", error="", facts={"model": "RB5009"}
            )

    events = published(router, 2, reach)
    assert [e["event"] for e in events] == ["RouterConnected", "RouterStatusUpdated"]
    assert events[1]["payload"]["status"] == "online"
    assert events[1]["payload"]["model"] == "RB5009"
    with schema_context("alpha"):
        assert Router.objects.get(pk=router.pk).model == "RB5009"


def test_an_unknown_status_is_refused(router):
    with schema_context("alpha"), pytest.raises(ValidationError, match="Choose one of"):
        services.router_status_set(router=router, status="rebooting")
    with schema_context("alpha"):
        assert Router.objects.get(pk=router.pk).status == "config_pending"


def test_nothing_but_router_status_set_assigns_a_router_status():
    """`router.status = …` or `.update(status=…)` on routers anywhere else would skip the audit
    entry and the pages' update."""
    owner = ROOT / "routers" / "services.py"
    wrong = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if path == owner or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                targets = node.targets if isinstance(node, ast.Assign) else []
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and target.attr == "status"
                        and "router" in ast.unparse(target.value).lower()
                    ):
                        wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert wrong == []
