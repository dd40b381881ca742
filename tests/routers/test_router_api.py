"""Stage 1 through the API: bootstrap script, token shown once, bad input refused."""

import pytest
from django_tenants.utils import schema_context

from routers.models import Router
from routers.routeros.quoting import ros_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(make_user, tenant_client):
    return tenant_client("alpha", make_user("alpha", "netadmin", role="admin"))


def create(client, **body):
    return client.post(
        "/api/routers/", {"host": "192.0.2.10", **body}, content_type="application/json"
    )


def test_create_returns_script_and_token_once(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = create(admin_client, name="hq-1")
    assert response.status_code == 201, response.content
    body = response.json()
    token = body["token"]
    assert len(token) == 32 and token.isalnum()
    assert body["router"]["status"] == "config_pending"
    assert body["bootstrap_script"].splitlines() == [
        '/system identity set name="hq-1"',
        f'/user add name="api-hq-1" group=full password="{token}"',
        "/ip neighbor discovery-settings set discover-interface-list=all",
        "/ip service enable api",
    ]
    assert body["probe_job"]["kind"] == "routers.probe" and callbacks
    # Never again: not in reads, not in the database in clear.
    detail = admin_client.get(f"/api/routers/{body['router']['id']}/")
    assert token not in detail.content.decode()
    assert token not in admin_client.get("/api/routers/").content.decode()
    from django.db import connection

    with schema_context("alpha"), connection.cursor() as cursor:
        cursor.execute("SELECT api_password FROM routers_router")
        assert token not in cursor.fetchone()[0]
    with schema_context("alpha"):
        assert Router.objects.get().api_password == token


def test_tls_router_enables_api_ssl(admin_client):
    body = create(admin_client, name="edge", use_tls=True).json()
    assert body["router"]["api_port"] == 8729
    # With TLS the router gets a certificate for api-ssl, pinned by radtik on first contact.
    assert body["bootstrap_script"].endswith(
        "/ip service set api-ssl certificate=radtik-api disabled=no"
    )


def test_rotate_token_gives_a_new_script(admin_client):
    first = create(admin_client, name="hq-2").json()
    rotated = admin_client.post(f"/api/routers/{first['router']['id']}/rotate-token/").json()
    assert rotated["token"] != first["token"]
    assert rotated["token"] in rotated["bootstrap_script"]


@pytest.mark.parametrize("name", ['a";/system reset', "a b", "-lead", "x" * 64, "név", 'q"$x', ""])
def test_hostile_or_invalid_names_are_refused(admin_client, name):
    response = create(admin_client, name=name)
    assert response.status_code == 400
    assert "name" in response.json()
    with schema_context("alpha"):
        assert not Router.objects.exists()


def test_duplicate_name_is_refused(admin_client):
    assert create(admin_client, name="dup").status_code == 201
    again = create(admin_client, name="dup")
    assert again.status_code == 400 and "already exists" in " ".join(again.json()["name"])


def test_operator_cannot_add_routers(make_user, tenant_client):
    operator = tenant_client("alpha", make_user("alpha", "op", role="operator"))
    assert create(operator, name="nope").status_code == 403


def test_beta_cannot_see_alpha_router(admin_client, make_user, tenant_client):
    router_id = create(admin_client, name="secret").json()["router"]["id"]
    beta = tenant_client("beta", make_user("beta", "b", role="admin"))
    assert beta.get(f"/api/routers/{router_id}/").status_code == 404
    assert (
        beta.post(
            f"/api/routers/{router_id}/import/", {"what": "all"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_quoting_neutralises_script_syntax():
    assert ros_quote('a";/system reset') == '"a\\";/system reset"'
    assert ros_quote("$var [x]?") == '"\\$var [x]\\?"'
    with pytest.raises(ValueError):
        ros_quote("bad\x00")


def test_operator_may_deploy_and_probe_but_not_configure(admin_client, make_user, tenant_client):
    router_id = create(admin_client, name="shared").json()["router"]["id"]
    operator = tenant_client("alpha", make_user("alpha", "op3", role="operator"))
    probe = operator.post(f"/api/routers/{router_id}/verify-connectivity/")
    assert probe.status_code == 202
    deploy = operator.post(f"/api/routers/{router_id}/deploy-service-config/")
    assert deploy.status_code == 400 and "configuration" in deploy.json()["detail"]
    config = operator.post(
        f"/api/routers/{router_id}/generate-service-config/", {}, content_type="application/json"
    )
    assert config.status_code == 403
