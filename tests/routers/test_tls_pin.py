"""api-ssl with a pinned certificate: bootstrap gives the router a self-signed certificate,
radtik's first probe pins it (trust on first use, shown to the operator as a fingerprint), and
from then on a router presenting another certificate is refused before any password is sent."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from routers.bootstrap import bootstrap_script
from routers.connection import router_session
from routers.models import Router
from routers.routeros.errors import RouterTLSError
from routers.routeros.simulator.tls import self_signed_files
from routers.routeros.tls_pin import fingerprint
from routers.services import router_create
from tests.support.jobs import wait_job


def test_the_tls_bootstrap_script_gives_api_ssl_a_certificate():
    script = bootstrap_script(router_name="hq-1", token="t0ken", use_tls=True)
    assert '/certificate add name=radtik-api common-name="hq-1"' in script
    assert "/certificate sign radtik-api" in script
    assert script.endswith("/ip service set api-ssl certificate=radtik-api disabled=no")
    plain = bootstrap_script(router_name="hq-1", token="t0ken", use_tls=False)
    assert plain.endswith("/ip service enable api") and "certificate" not in plain


@pytest.mark.usefixtures("live_db", "qcluster")
def test_the_first_certificate_is_pinned_and_another_is_refused(
    routeros_farm, make_user, tenant_client
):
    client = tenant_client("alpha", make_user("alpha", "ops", role="admin"))
    (sim,) = routeros_farm(1, tls=True)
    with schema_context("alpha"):
        made = router_create(
            name="tls-1", host=sim.host, api_port=sim.port, use_tls=True, probe_interval=1
        )
    sim.apply_bootstrap(identity="tls-1", api_user=made.router.api_username, password=made.token)
    assert wait_job(made.probe_job.pk, timeout=60).status == "succeeded"

    expected = fingerprint(Path(self_signed_files()[0]).read_text())
    response = client.get(f"/api/routers/{made.router.pk}/")
    assert response.status_code == 200, response.content
    shown = response.json()
    assert shown["tls_fingerprint"] == expected and shown["status"] == "online"

    # Someone else answers on the router's address with a certificate of their own.
    impostor_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    impostor_context.load_cert_chain(*self_signed_files("impostor"))
    (impostor,) = routeros_farm(1, tls=impostor_context)
    impostor.apply_bootstrap(
        identity="tls-1", api_user=made.router.api_username, password=made.token
    )
    with schema_context("alpha"):
        Router.objects.filter(pk=made.router.pk).update(api_port=impostor.port)
        router = Router.objects.get(pk=made.router.pk)
    with pytest.raises(RouterTLSError), router_session(router, timeout=5):
        pass
    assert not impostor.state.command_log  # no command (nor password) reached it
    with router_session(Router(**{**_fields(router), "api_port": sim.port}), timeout=5) as api:
        assert api.identity().name == "tls-1"  # the pinned router still connects


def _fields(router: Router) -> dict:
    return {f.attname: getattr(router, f.attname) for f in Router._meta.concrete_fields}
