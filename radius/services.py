"""RADIUS servers: created with a generated agent token that is shown once."""

from __future__ import annotations

import ipaddress
import secrets
import socket
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from radius.client import AgentError, agent_client_for
from radius.models import RadiusServer
from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_record
from radtik.events import publish
from radtik.jobs.models import Job
from radtik.jobs.services import job_enqueue
from radtik.tenancy import current_tenant_id
from radtik.writes import fields_update, row_delete


@dataclass(frozen=True)
class ServerCreation:
    server: RadiusServer
    token: str  # put it in the agent's --token-file; radtik never shows it again


def radius_server_create(
    *,
    name: str,
    host: str,
    api_base_url: str,
    token: str = "",
    auth_port: int = 1812,
    acct_port: int = 1813,
    actor: Any = None,
) -> ServerCreation:
    token = token or secrets.token_urlsafe(32)
    server = RadiusServer(
        name=name,
        host=host,
        api_base_url=api_base_url,
        auth_token=token,
        auth_port=auth_port,
        acct_port=acct_port,
    )
    server.full_clean()
    with transaction.atomic():
        server.save()
        audit_record(
            actor=actor,
            action=AuditAction.RADIUS_SERVER_CREATE,
            obj=server,
            changes={
                "host": host,
                "api_base_url": api_base_url,
                "auth_port": auth_port,
                "acct_port": acct_port,
            },
        )
        # Accounting starts reading the new server's sessions on it.
        publish(
            current_tenant_id(),
            "radius",
            "RadiusServerCreated",
            {"server": {"id": server.pk, "name": server.name}},
        )
    return ServerCreation(server=server, token=token)


def radius_server_update(*, server: RadiusServer, actor: Any = None, **fields: Any) -> RadiusServer:
    """Its name, addresses, agent token or active flag (a disabled server takes no new batches)."""
    return fields_update(
        obj=server, fields=fields, action=AuditAction.RADIUS_SERVER_UPDATE, actor=actor
    )


def radius_server_delete(*, server: RadiusServer, actor: Any = None) -> None:
    """Refused while voucher batches or routers use it: their users and clients live there."""
    batches = server.voucher_batches.count()
    routers = list(server.routers.values_list("name", flat=True)[:5])
    if batches or routers:
        uses = []
        if batches:
            uses.append(f"{batches} voucher batch(es)")
        if routers:
            uses.append(f"router(s) {', '.join(routers)}")
        raise ValidationError(
            f"RADIUS server {server} is used by {' and '.join(uses)}: delete or move them first,"
            " or mark the server inactive."
        )
    row_delete(obj=server, action=AuditAction.RADIUS_SERVER_DELETE, actor=actor)


def radius_server_test_start(*, server: RadiusServer, actor: Any = None) -> Job:
    """Test the connection to the server's agent as a job (an agent that hangs never holds a
    web request): reachable, its database up, the token accepted."""
    from radius.tasks import TestRadiusServer  # tasks imports this module

    with transaction.atomic():
        audit_record(actor=actor, action=AuditAction.RADIUS_SERVER_TEST, obj=server)
        return job_enqueue(
            kind=TestRadiusServer,
            target=server,
            requested_by=actor,
            params={"server_id": server.pk},
        )


def radius_server_check(*, server: RadiusServer) -> dict[str, str]:
    """What the test job reports; AgentError says what to fix."""
    with agent_client_for(server) as agent:
        return agent.check()


def _client_address(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        try:
            return socket.getaddrinfo(host, None, socket.AF_INET)[0][4][0]
        except OSError as exc:
            raise AgentError(f"cannot resolve {host} to a RADIUS client address: {exc}") from None


def radius_client_remove(*, server: RadiusServer, host: str) -> bool:
    """The router at `host` stops being a client of the server (a deleted router); False: it
    was not one."""
    address = _client_address(host)
    with agent_client_for(server) as agent:
        return agent.client_delete(address=address)


def radius_client_register(*, server: RadiusServer, host: str, secret: str, name: str) -> str:
    """Name a router to the server's FreeRADIUS as a client (its address, shared secret), so its
    first login needs no edit of clients.conf. Returns the address registered.

    The router is expected to send RADIUS from the address radtik reaches it at."""
    address = _client_address(host)
    with agent_client_for(server) as agent:
        agent.client_put(address=address, secret=secret, shortname=name)
    return address
