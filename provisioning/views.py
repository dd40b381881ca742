"""Wizard stages 3-5 on the router page: discovery refresh, the service form, deploy.

Thin: validation is provisioning.config's (through service_config_create), as for the API.
The stages join the router page as a routers.views.RouterPagePart (added in apps.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from provisioning import services
from provisioning.config import DEFAULT_LOGIN_METHODS, LOGIN_METHODS
from provisioning.plan import desired_items, render_script
from provisioning.services import config_as_deployed, portal_url
from provisioning.tasks import DeployRouter, DiscoverInterfaces
from radius.models import RadiusServer
from radtik.permissions import role_required
from routers.models import Router
from routers.views import RouterPagePart, job_start_and_return, router_page
from tenants.accounts.models import Role

DEFAULTS: dict[str, dict[str, Any]] = {
    "hotspot": {
        "enabled": False,
        "interfaces": [],
        "portal_title": "WiFi",
        "login_methods": list(DEFAULT_LOGIN_METHODS),
        "address_pool": "10.5.50.2-10.5.50.254",
        "gateway": "10.5.50.1",
        "prefix": 24,
        "lease_time": "1h",
        "dns_servers": [],
        "wan_interface": "",
    },
    "pppoe": {
        "enabled": False,
        "interfaces": [],
        "service_name": "radtik",
        "pool_range": "10.10.0.2-10.10.0.254",
        "local_address": "10.10.0.1",
    },
    "radius": {"enabled": False, "server_id": None},
}


def stages_context(router: Router, state: dict[str, Any]) -> dict[str, Any]:
    """What stages 3-5 show: the interfaces, the form (last saved values, or what was just
    posted: state["service_data"]), its errors keyed `hotspot_interfaces` (template-friendly),
    and the saved configuration with its script."""
    data, errors = state.get("service_data"), state.get("service_errors")
    config = router.configs.first()
    values = data or _from_config(config.config if config else {})
    return {
        "interfaces": services.router_interfaces(router=router),
        "interfaces_stale": services.interfaces_stale(router),
        "radius_servers": RadiusServer.objects.filter(active=True),
        "login_method_choices": LOGIN_METHODS,
        "service": values,
        "service_errors": {k.replace(".", "_"): v for k, v in (errors or {}).items()},
        "config": config,
        "config_script": render_script(desired_items(config_as_deployed(config.config)))
        if config
        else "",
    }


ONBOARDING_STAGES = RouterPagePart(
    template="provisioning/router_stages.html",
    context=stages_context,
    jobs={"discover": DiscoverInterfaces, "deploy": DeployRouter},
)


def _from_config(config: dict[str, Any]) -> dict[str, Any]:
    values = {name: dict(section) for name, section in DEFAULTS.items()}
    for name in values:
        if name in config:
            values[name].update(config[name], enabled=True)
            values[name].pop("secret_encrypted", None)
    return values


def _from_post(post) -> dict[str, Any]:
    server = post.get("radius-server_id", "")
    return {
        "hotspot": {
            "enabled": post.get("hotspot-enabled") == "on",
            "interfaces": post.getlist("hotspot-interfaces"),
            "portal_title": post.get("hotspot-portal_title", ""),
            "login_methods": post.getlist("hotspot-login_methods"),
            "address_pool": post.get("hotspot-address_pool", ""),
            "gateway": post.get("hotspot-gateway", ""),
            "prefix": post.get("hotspot-prefix", ""),
            "lease_time": post.get("hotspot-lease_time", ""),
            "dns_servers": [
                d for d in post.get("hotspot-dns_servers", "").replace(",", " ").split()
            ],
            "wan_interface": post.get("hotspot-wan_interface", ""),
        },
        "pppoe": {
            "enabled": post.get("pppoe-enabled") == "on",
            "interfaces": post.getlist("pppoe-interfaces"),
            "service_name": post.get("pppoe-service_name", ""),
            "pool_range": post.get("pppoe-pool_range", ""),
            "local_address": post.get("pppoe-local_address", ""),
        },
        "radius": {
            "enabled": post.get("radius-enabled") == "on",
            "server_id": int(server) if server.isdigit() else None,
            "secret": post.get("radius-secret", ""),
        },
    }


@require_POST
@role_required(Role.ADMIN)
def service_config_save(request: HttpRequest, pk: int) -> HttpResponse:
    router = get_object_or_404(Router, pk=pk)
    data = _from_post(request.POST)
    try:
        saved = services.service_config_create(
            router=router, data=data, actor=request.user, portal_url=portal_url(request)
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"services": exc.messages}
        data["radius"].pop("secret")  # never echoed back into the page
        state = {"service_data": data, "service_errors": errors}
        return router_page(request, router, state=state, status=400)
    messages.success(request, f"Saved configuration version {saved.version}.")
    return redirect("router-detail", pk=router.pk)


@require_POST
@role_required(Role.OPERATOR)
def discovery_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    return job_start_and_return(
        request,
        pk,
        lambda router: services.discovery_start(router=router, actor=request.user),
        "Discovering interfaces",
    )


@require_POST
@role_required(Role.OPERATOR)
def deploy(request: HttpRequest, pk: int) -> HttpResponse:
    return job_start_and_return(
        request,
        pk,
        lambda router: services.deploy_start(router=router, actor=request.user),
        "Deployment queued",
    )
