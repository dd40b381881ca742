"""Router pages: the list, the five-stage wizard and the imports panel, over the real services."""

from __future__ import annotations

import html
import re

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import schema_context

from provisioning.models import RouterInterface
from radius.models import RadiusServer
from radtik.jobs.models import Job, JobLogLine
from radtik.tenancy import tenant_id_for_schema
from routers import services
from routers.models import Router
from routers.tasks import ImportFromRouter

pytestmark = pytest.mark.django_db


@pytest.fixture
def router(tenants):
    with schema_context("alpha"):
        made = services.router_create(name="hq-1", host="10.0.0.1")
        for name, kind in (("ether1", "ether"), ("ether2", "ether"), ("wlan1", "wlan")):
            RouterInterface.objects.create(
                router=made.router,
                name=name,
                type=kind,
                running=True,
                discovered_at=timezone.now(),
            )
        return made


@pytest.fixture
def client_as(make_user, tenant_client):
    def make(role: str, schema: str = "alpha"):
        return tenant_client(schema, make_user(schema, f"{schema}-{role}", role=role))

    return make


def test_pages_render_for_a_viewer_without_the_token(router, client_as):
    viewer = client_as("viewer")
    listing = viewer.get("/routers/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "hq-1" in body and "Waiting for the bootstrap script" in body
    assert "Add router" not in body  # admins only
    page = viewer.get(f"/routers/{router.router.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    for stage in ("1 · Identity", "2 · Probing", "3 · Interfaces", "4 · Services", "5 · Deploy"):
        assert stage in body
    assert "Imports" in body and "ether2" in body
    assert router.token not in body


def test_add_router_shows_script_and_token_once(tenants, client_as):
    admin = client_as("admin")
    response = admin.post("/routers/", {"name": "branch-7", "host": "192.0.2.7"})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    with schema_context("alpha"):
        created = Router.objects.get(name="branch-7")
        token = created.api_password
    assert token in body
    assert '/system identity set name="branch-7"' in html.unescape(body)
    assert 'data-copy="bootstrap-script"' in body  # static/radtik.js copies it
    again = admin.get(f"/routers/{created.pk}/").content.decode()
    assert token not in again and "shown only once" in again


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ('a";/system reset', "Use letters, digits"),
        ("hq-1", "A router with this name already exists"),
        ("HQ-1", "A router with this name already exists"),
        ("", "This field is required."),
    ],
)
def test_add_router_refuses_bad_names_with_the_reason(router, client_as, name, message):
    admin = client_as("admin")
    response = admin.post("/routers/", {"name": name, "host": "192.0.2.8"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'a";/system reset' not in response.content.decode()  # echoed only escaped
    with schema_context("alpha"):
        assert Router.objects.count() == 1


def test_rotate_token_shows_the_new_script_once(router, client_as):
    admin = client_as("admin")
    response = admin.post(f"/routers/{router.router.pk}/rotate-token/")
    with schema_context("alpha"):
        token = Router.objects.get(pk=router.router.pk).api_password
    assert response.status_code == 200 and token != router.token
    assert token in response.content.decode()
    assert token not in admin.get(f"/routers/{router.router.pk}/").content.decode()


@pytest.mark.parametrize(
    ("role", "path", "data"),
    [
        ("viewer", "/routers/", {"name": "x1", "host": "192.0.2.9"}),
        ("operator", "/routers/", {"name": "x1", "host": "192.0.2.9"}),
        ("operator", "/routers/{pk}/rotate-token/", {}),
        ("operator", "/routers/{pk}/service-config/", {"hotspot-enabled": "on"}),
        ("viewer", "/routers/{pk}/probe/", {}),
        ("viewer", "/routers/{pk}/discover/", {}),
        ("viewer", "/routers/{pk}/deploy/", {}),
        ("viewer", "/routers/{pk}/import/", {"what": "all"}),
    ],
)
def test_too_small_a_role_gets_the_403_page(router, client_as, role, path, data):
    response = client_as(role).post(path.format(pk=router.router.pk), data)
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    with schema_context("alpha"):
        assert Router.objects.count() == 1
        assert not router.router.configs.exists()


def test_service_form_shows_field_errors_next_to_the_fields(router, client_as):
    admin = client_as("admin")
    url = f"/routers/{router.router.pk}/service-config/"
    response = admin.post(url, {})
    assert response.status_code == 400
    assert "Enable the hotspot, PPPoE, or both." in response.content.decode()
    response = admin.post(
        url,
        {
            "hotspot-enabled": "on",
            "hotspot-interfaces": ["ether9"],
            "hotspot-address_pool": "10.5.50.9-10.5.50.1",
            "hotspot-gateway": "10.5.50.1",
            "pppoe-enabled": "on",
            "pppoe-pool_range": "10.10.0.2-10.10.0.300",
            "pppoe-service_name": "isp",
            "pppoe-local_address": "10.10.0.1",
            "radius-enabled": "on",
            "radius-secret": "short-secret-typed",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Not on this router: ether9" in body
    assert "The range starts after it ends." in body
    assert "Not an IPv4 address" in body
    assert "Choose at least one interface." in body  # pppoe
    assert "Choose one of this account&#x27;s RADIUS servers." in body
    assert "short-secret-typed" not in body  # the secret is never echoed
    assert 'value="isp"' in body  # what was typed stays
    with schema_context("alpha"):
        assert not router.router.configs.exists()


def test_saved_configuration_shows_its_version_and_script(router, client_as):
    with schema_context("alpha"):
        server = RadiusServer.objects.create(
            name="r1", host="10.0.0.5", api_base_url="http://10.0.0.5:8799", auth_token="t"
        )
    admin = client_as("admin")
    response = admin.post(
        f"/routers/{router.router.pk}/service-config/",
        {
            "hotspot-enabled": "on",
            "hotspot-interfaces": ["ether2", "wlan1"],
            "hotspot-portal_title": "Cafe",
            "hotspot-login_methods": ["http-chap", "mac"],
            "hotspot-address_pool": "10.5.50.2-10.5.50.254",
            "hotspot-gateway": "10.5.50.1",
            "hotspot-wan_interface": "ether1",
            "radius-enabled": "on",
            "radius-server_id": str(server.pk),
            "radius-secret": "a-long-shared-secret",
        },
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    body = admin.get(response["Location"]).content.decode()
    assert "Saved configuration version 1." in body
    assert "Saved configuration: version 1" in body
    assert "/ip hotspot add name=" in body and "radtik-hs-bridge" in body  # two ports, one bridge
    assert "a-long-shared-secret" not in body and "********" in body
    # The form shows the saved choices again.
    assert re.search(r'<option value="wlan1" selected>', body)


def test_tenant_beta_gets_404_on_alphas_router(router, client_as):
    beta = client_as("admin", schema="beta")
    pk = router.router.pk
    assert beta.get(f"/routers/{pk}/").status_code == 404
    assert beta.post(f"/routers/{pk}/deploy/").status_code == 404
    assert beta.post(f"/routers/{pk}/rotate-token/").status_code == 404
    assert "hq-1" not in beta.get("/routers/").content.decode()


def test_pages_subscribe_to_their_topics_without_polling(router, client_as):
    viewer = client_as("viewer")
    listing = viewer.get("/routers/").content.decode()
    assert 'ws-connect="/ws/?format=html&topics=routers"' in listing
    body = viewer.get(f"/routers/{router.router.pk}/").content.decode()
    pk, probe = router.router.pk, router.probe_job.pk
    topics = f"router.{pk},jobs.routers.router.{pk}"  # its jobs, shown and started later
    assert f'ws-connect="/ws/?format=html&topics={topics}"' in body
    assert f'id="job-{probe}-status"' in body
    for page in (listing, body):
        assert "hx-trigger" not in page and "hx-get" not in page and "setInterval" not in page


def test_router_event_fragments_replace_elements_on_both_pages(router, client_as):
    viewer = client_as("viewer")
    for url, with_next in (("/routers/", False), (f"/routers/{router.router.pk}/", True)):
        with schema_context("alpha"):
            fragment = render_to_string(
                "routers/partials/router_event.html",
                {"router": router.router, "with_next": with_next},
            )
        ids = re.findall(r'id="([^"]+)"', fragment)
        assert f"router-{router.router.pk}-status" in ids
        body = viewer.get(url).content.decode()
        for element in ids:
            assert body.count(f'id="{element}"') == 1, (url, element)


def test_publish_router_pushes_the_badge_fragment(router, django_capture_on_commit_callbacks):
    """The event is data; the page's fragment is rendered from it at the edge."""
    from radtik.realtime.fragments import fragment_render
    from routers.events import router_publish

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    group = f"tenant.{tenant_id_for_schema('alpha')}.router.{router.router.pk}"
    async_to_sync(layer.group_add)(group, channel)
    try:
        with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
            router.router.status = "online"
            router_publish(router.router, "RouterStatusUpdated")
        message = async_to_sync(layer.receive)(channel)
    finally:
        async_to_sync(layer.group_discard)(group, channel)
    assert message["payload"]["status"] == "online" and "html" not in message
    html = fragment_render(message)
    assert f'id="router-{router.router.pk}-status"' in html
    assert ">Online<" in html
    assert f'id="router-{router.router.pk}-next"' in html  # the page's next step


def test_import_panel_shows_job_progress_log_and_results(router, client_as):
    with schema_context("alpha"):
        job = Job.objects.create(
            kind=ImportFromRouter.name,
            target_type="routers.router",
            target_id=str(router.router.pk),
            target_repr="hq-1",
            status="succeeded",
            progress=100,
            result={
                "pools": {"imported": 3, "updated": 0, "unchanged": 1, "removed": 0, "failed": 0},
                "secrets": {
                    "imported": 4997,
                    "updated": 1,
                    "unchanged": 0,
                    "removed": 2,
                    "failed": 1,
                    "errors": [{"item": "bad-user", "reason": "no name"}],
                },
            },
        )
        JobLogLine.objects.create(job=job, message="completed import from hq-1")
    body = client_as("operator").get(f"/routers/{router.router.pk}/").content.decode()
    assert f"jobs.routers.router.{router.router.pk}" in body  # subscribed: live progress
    assert f'id="job-{job.pk}-log"' in body and "completed import from hq-1" in body
    assert "<td>4997</td>" in body and "bad-user: no name" in body
    assert 'value="pools"' in body and 'value="all"' in body


def test_import_button_queues_a_job_or_says_why_not(router, client_as):
    operator = client_as("operator")
    url = f"/routers/{router.router.pk}/import/"
    response = operator.post(url, {"what": "all"}, follow=True)
    assert "has not been reached yet" in response.content.decode()
    with schema_context("alpha"):
        Router.objects.filter(pk=router.router.pk).update(status="online")
    response = operator.post(url, {"what": "secrets"}, follow=True)
    with schema_context("alpha"):
        job = Job.objects.get(kind=ImportFromRouter.name)
    assert job.params == {"router_id": router.router.pk, "what": "secrets"}
    assert f"Import of secrets queued (job #{job.pk})" in response.content.decode()
    body = response.content.decode()  # the page shows it in its slot, watching the router's jobs
    assert f'id="job-{job.pk}-status"' in body and f"jobs.routers.router.{router.router.pk}" in body


def test_admin_never_shows_router_or_secret_passwords(router, make_user, tenant_client):
    from provisioning.services import service_config_create
    from routers.models import PPPSecret

    with schema_context("alpha"):
        PPPSecret.objects.create(router=router.router, name="cust-1", password="pw-secret-1")
        config = service_config_create(
            router=router.router,
            data={
                "hotspot": {
                    "enabled": True,
                    "interfaces": ["ether2"],
                    "address_pool": "10.5.50.2-10.5.50.254",
                    "gateway": "10.5.50.1",
                    "wan_interface": "ether1",
                }
            },
        )
    staff = make_user("alpha", "root", role="admin", is_staff=True, is_superuser=True)
    admin = tenant_client("alpha", staff)
    pk = router.router.pk
    for url in (
        "/admin/routers/router/",
        f"/admin/routers/router/{pk}/change/",
        "/admin/routers/pppsecret/",
        "/admin/routers/ippool/",
        "/admin/routers/pppprofile/",
        "/admin/provisioning/routerconfig/",
        f"/admin/provisioning/routerconfig/{config.pk}/change/",
    ):
        response = admin.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert router.token not in body and "pw-secret-1" not in body
        assert 'name="api_password"' not in body
    response = admin.post(
        "/admin/routers/router/add/",
        {
            "name": "from-admin",
            "host": "192.0.2.20",
            "api_port": "8728",
            "probe_interval": "10",
            "probe_max_attempts": "60",
        },
        follow=True,
    )
    assert response.status_code == 200
    with schema_context("alpha"):
        made = Router.objects.get(name="from-admin")
        assert made.api_username == "api-from-admin"
        assert made.api_password in response.content.decode()  # shown once, as a message
