"""A router deployed by the product towards real FreeRADIUS, with the account's Daraja settings
on the Daraja simulator: what the end-to-end portal tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django_tenants.utils import schema_context

from billing.models import DarajaSettings, Package
from provisioning.config import RadiusEndpoint, validate_service_config
from provisioning.models import RouterConfig
from provisioning.services import deploy_start
from radius.models import RadiusServer
from radius.services import radius_server_create
from routers.models import Router
from tests.support.jobs import wait_job


@dataclass
class Network:
    server: RadiusServer
    router: Router


def network_deploy(
    *,
    agent: Any,
    radius: Any,
    sim: Any,
    daraja_sim: Any,
    base_url: str,
    services: dict[str, Any],
    interfaces: set[str],
    name: str = "router-1",
    packages: tuple[dict[str, Any], ...] = (),
) -> Network:
    """Deploy `services` (plus RADIUS towards `radius`) on the simulated router `sim`, record
    Daraja settings whose callbacks reach `base_url`, create `packages` (their radius_server
    and, for "router": True, router filled in), and wait for the deploy."""
    creds = daraja_sim.credentials
    with schema_context("alpha"):
        server = radius_server_create(
            name="radius-1", host="127.0.0.1", api_base_url=agent.url, token=agent.token,
            auth_port=radius.auth_port, acct_port=radius.acct_port,
        ).server  # fmt: skip
        router = Router.objects.create(
            name=name, host=sim.host, api_port=sim.port, api_username="admin",
            api_password="admin", status="online", radius_server=server,
        )  # fmt: skip
        config = validate_service_config(
            {**services,
             "radius": {"enabled": True, "server_id": server.pk, "secret": "S3cret-shared"}},
            interfaces=interfaces,
            radius_servers={server.pk: RadiusEndpoint("127.0.0.1", radius.auth_port,
                                                      radius.acct_port)},
            portal_url=f"{base_url}/portal/",
        )  # fmt: skip
        RouterConfig.objects.create(router=router, version=1, config=config)
        job = deploy_start(router=router)
        DarajaSettings.objects.create(
            shortcode=creds.shortcode, passkey=creds.passkey, consumer_key=creds.consumer_key,
            consumer_secret=creds.consumer_secret, base_url=daraja_sim.base_url,
            callback_base_url=base_url,
        )  # fmt: skip
        for fields in packages:
            on_router = fields.get("router", False)
            Package.objects.create(
                **{**fields, "router": router if on_router else None}, radius_server=server
            )
    done = wait_job(job.pk, timeout=90)
    assert done.status == "succeeded", done.error
    return Network(server=server, router=router)
