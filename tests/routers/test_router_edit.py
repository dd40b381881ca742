"""Routers edited, deleted and kept apart: names unique whatever their case, one router per
address and port, hosts checked on entry; deleting takes its sessions and RADIUS client along."""

from __future__ import annotations

import pytest
import requests
from django.utils import timezone
from django_tenants.utils import schema_context

from accounting.models import Session
from billing.models import Package
from provisioning.models import RouterConfig
from provisioning.services import radius_client_move_start
from provisioning.tasks import MoveRadiusClient
from radius.services import radius_client_register
from radtik.audit.models import AuditEntry
from radtik.crypto import encrypt
from radtik.jobs.models import Job
from radtik.realtime.fragments import fragment_render
from radtik.tenancy import tenant_id_for_schema
from routers.models import Router, RouterHealth
from routers.services import router_update
from tests.support import factories
from tests.support.events import GroupListener
from tests.support.jobs import wait_job
from tests.support.radius import agent_server


@pytest.fixture
def admin(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "netadmin", role="admin"))


def create(client, **body):
    body = {"host": "192.0.2.10", **body}
    return client.post("/api/routers/", body, content_type="application/json")


def patch(client, pk: int, **body):
    return client.patch(f"/api/routers/{pk}/", body, content_type="application/json")


@pytest.mark.django_db
def test_names_differ_by_more_than_case_and_one_router_per_address_and_port(admin):
    assert create(admin, name="DEMO-1").status_code == 201
    twin = create(admin, name="demo-1", host="192.0.2.11")
    assert twin.status_code == 400
    assert twin.json()["name"] == [
        "A router with this name already exists (names are compared ignoring case)."
    ]
    same_place = create(admin, name="demo-2")
    assert same_place.status_code == 400
    assert same_place.json()["host"] == [
        "Another router of this account is already at this address and port."
    ]
    assert create(admin, name="demo-3", api_port=8000).status_code == 201  # another port
    page = admin.post("/routers/", {"name": "Demo-1", "host": "192.0.2.12"})
    assert page.status_code == 400
    assert "A router with this name already exists" in page.content.decode()
    with schema_context("alpha"):
        assert sorted(Router.objects.values_list("name", flat=True)) == ["DEMO-1", "demo-3"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("http://192.0.2.1/", "no http://"),
        ("192.0.2.1:8728", "no http://"),
        ("10.0.0.300", "10.0.0.300 is not a valid IP address."),
        ("hq router", "IP address or host name only"),
        ("-bad.example", "IP address or host name only"),
    ],
)
def test_a_bad_host_is_refused_on_entry_in_words(admin, host, words):
    response = create(admin, name="edge-1", host=host)
    assert response.status_code == 400
    assert words in " ".join(response.json()["host"])
    page = admin.post("/routers/", {"name": "edge-1", "host": host})
    assert page.status_code == 400 and words in page.content.decode()


@pytest.mark.django_db
def test_hosts_are_kept_in_lower_case_and_ipv6_is_an_address(admin):
    assert create(admin, name="a", host=" HQ.Example.NET ").json()["router"]["host"] == (
        "hq.example.net"
    )
    assert create(admin, name="b", host="hq.example.net").status_code == 400
    assert create(admin, name="c", host="2001:db8::1").status_code == 201


@pytest.mark.django_db
def test_edit_name_address_and_radius_server_through_api_and_page(admin):
    with schema_context("alpha"):
        server = factories.radius_server()
    router_id = create(admin, name="hq-1").json()["router"]["id"]
    create(admin, name="hq-2", host="192.0.2.20")
    changed = patch(admin, router_id, name="HQ-North", host="192.0.2.30", radius_server=server.name)
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["name"], body["host"], body["radius_server"]) == (
        "HQ-North",
        "192.0.2.30",
        server.pk,
    )
    taken = patch(admin, router_id, name="hq-2")
    assert taken.status_code == 400 and "already exists" in taken.json()["name"][0]
    assert patch(admin, router_id, host="192.0.2.20").json()["host"] == [
        "Another router of this account is already at this address and port."
    ]
    assert patch(admin, router_id, radius_server="nope").status_code == 400
    with schema_context("alpha"):
        entry = AuditEntry.objects.filter(action="router.update").first()
        assert entry.changes["name"] == {"old": "hq-1", "new": "HQ-North"}

    form = admin.get(f"/routers/{router_id}/edit/")
    assert form.status_code == 200 and 'name="radius_server"' in form.content.decode()
    fields = {
        "name": "hq-2",
        "host": "192.0.2.30",
        "api_port": 8728,
        "radius_server": server.pk,
        "probe_interval": 10,
        "probe_max_attempts": 60,
    }
    refused = admin.post(f"/routers/{router_id}/edit/", fields)
    assert refused.status_code == 400
    assert "Name: A router with this name already exists" in refused.content.decode()
    saved = admin.post(f"/routers/{router_id}/edit/", {**fields, "name": "hq-south"})
    assert saved.status_code == 302 and saved["Location"] == f"/routers/{router_id}/"
    with schema_context("alpha"):
        assert Router.objects.get(pk=router_id).name == "hq-south"


@pytest.mark.django_db
def test_viewers_and_operators_cannot_edit_or_delete(make_user, tenant_client, admin):
    router_id = create(admin, name="hq-1").json()["router"]["id"]
    operator = tenant_client("alpha", make_user("alpha", "op", role="operator"))
    assert patch(operator, router_id, name="x").status_code == 403
    assert operator.delete(f"/api/routers/{router_id}/").status_code == 403
    assert operator.get(f"/routers/{router_id}/edit/").status_code == 403
    assert operator.post(f"/routers/{router_id}/delete/").status_code == 403


@pytest.mark.django_db
def test_delete_is_refused_in_words_while_a_package_sells_through_the_router(admin):
    router_id = create(admin, name="shop-1").json()["router"]["id"]
    with schema_context("alpha"):
        Package.objects.create(
            name="Day pass", price=50, validity_seconds=86400, router_id=router_id
        )
    refused = admin.delete(f"/api/routers/{router_id}/")
    assert refused.status_code == 400
    assert "Router shop-1 is still used by package Day pass" in str(refused.json())
    page = admin.post(f"/routers/{router_id}/delete/", follow=True)
    assert "Router shop-1 is still used by package Day pass" in page.content.decode()
    with schema_context("alpha"):
        assert Router.objects.filter(pk=router_id).exists()


def test_delete_takes_its_sessions_and_radius_client_along(
    live_db, qcluster, radius_agent, make_user, tenant_client
):
    agent = radius_agent()
    server = agent_server(agent)
    admin = tenant_client("alpha", make_user("alpha", "netadmin", role="admin"))
    router_id = create(admin, name="gone-1", host="127.0.0.1").json()["router"]["id"]
    with schema_context("alpha"):
        router = Router.objects.get(pk=router_id)
        router_update(router=router, radius_server=server)
        radius_client_register(server=server, host=router.host, secret="s3cret", name="gone-1")
        factories.session(server=server, router_=router)
        factories.session(server=server, router_=router, open_=False)
        kept = factories.session(server=server)  # another router's (none): stays
    clients = f"{agent.url}/clients"
    auth = {"Authorization": f"Bearer {agent.token}"}
    assert requests.get(clients, headers=auth, timeout=10).json()["clients"] != []

    assert f'<tr id="router-{router_id}-row">' in admin.get("/routers/").content.decode()

    with GroupListener(f"tenant.{tenant_id_for_schema('alpha')}.routers") as heard:
        answer = admin.delete(f"/api/routers/{router_id}/")
        assert answer.status_code == 202, answer.content
        job = wait_job(answer.json()["job"]["id"])
        deleted = heard.wait_for("RouterDeleted")
    # The list open in a browser drops the row (the fragment its websocket is sent).
    removed = f'<tr id="router-{router_id}-row" hx-swap-oob="delete"></tr>'
    assert fragment_render(deleted) == removed
    assert job.status == "succeeded", job.error
    with schema_context("alpha"):
        assert not Router.objects.filter(pk=router_id).exists()
        assert list(Session.objects.values_list("pk", flat=True)) == [kept.pk]
        assert AuditEntry.objects.filter(action="router.delete", object_id=str(router_id)).exists()
    assert requests.get(clients, headers=auth, timeout=10).json()["clients"] == []
    assert admin.delete(f"/api/routers/{router_id}/").status_code == 404


def test_an_edited_address_moves_the_routers_radius_client(
    live_db, qcluster, radius_agent, make_user, tenant_client
):
    """The old address stops being a client and the deployed server knows the new one: the
    router keeps logging users in after the edit, and nobody at its old address can."""
    agent = radius_agent()
    server = agent_server(agent)
    admin = tenant_client("alpha", make_user("alpha", "netadmin", role="admin"))
    router_id = create(admin, name="moving-1", host="127.0.0.2").json()["router"]["id"]
    with schema_context("alpha"):
        router = Router.objects.get(pk=router_id)
        radius = {"server_id": server.pk, "secret_encrypted": encrypt("s3cret")}
        RouterConfig.objects.create(router=router, version=1, config={"radius": radius})
        RouterHealth.objects.create(router=router, config_version=1, due_at=timezone.now())
        radius_client_register(server=server, host=router.host, secret="s3cret", name="moving-1")
    clients = f"{agent.url}/clients"
    auth = {"Authorization": f"Bearer {agent.token}"}

    def addresses() -> list[str]:
        answer = requests.get(clients, headers=auth, timeout=10).json()["clients"]
        return [c["address"] for c in answer]

    assert addresses() == ["127.0.0.2"]

    assert patch(admin, router_id, host="127.0.0.3").status_code == 200
    with schema_context("alpha"):
        job = Job.objects.get(kind=MoveRadiusClient.name, target_id=str(router_id))
    job = wait_job(job.pk)
    assert job.status == "succeeded", job.error
    assert addresses() == ["127.0.0.3"]
    # Run again (a retried job): nothing more changes.
    with schema_context("alpha"):
        retry = radius_client_move_start(Router.objects.get(pk=router_id), "127.0.0.2")
    assert wait_job(retry.pk).status == "succeeded"
    assert addresses() == ["127.0.0.3"]
