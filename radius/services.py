"""RADIUS servers: created with a generated agent token that is shown once."""

from __future__ import annotations

import ipaddress
import secrets
import socket
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from radius.client import AgentError, agent_client_for
from radius.models import RadiusServer
from radtik.audit.choices import AuditAction
from radtik.audit.services import audit_record
from radtik.writes import fields_update


@dataclass(frozen=True)
class ServerCreation:
    server: RadiusServer
    token: str  # put it in the agent's --token-file; radtik never shows it again


def radius_server_create(
    *, name: str, host: str, api_base_url: str, token: str = "", actor: Any = None
) -> ServerCreation:
    token = token or secrets.token_urlsafe(32)
    server = RadiusServer(name=name, host=host, api_base_url=api_base_url, auth_token=token)
    server.full_clean()
    with transaction.atomic():
        server.save()
        audit_record(
            actor=actor,
            action=AuditAction.RADIUS_SERVER_CREATE,
            obj=server,
            changes={"host": host, "api_base_url": api_base_url},
        )
    return ServerCreation(server=server, token=token)


def radius_server_update(*, server: RadiusServer, actor: Any = None, **fields: Any) -> RadiusServer:
    """Its name, addresses, agent token or active flag (a disabled server takes no new batches)."""
    return fields_update(
        obj=server, fields=fields, action=AuditAction.RADIUS_SERVER_UPDATE, actor=actor
    )


def radius_client_register(*, server: RadiusServer, host: str, secret: str, name: str) -> str:
    """Name a router to the server's FreeRADIUS as a client (its address, shared secret), so its
    first login needs no edit of clients.conf. Returns the address registered.

    The router is expected to send RADIUS from the address radtik reaches it at."""
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        try:
            address = socket.getaddrinfo(host, None, socket.AF_INET)[0][4][0]
        except OSError as exc:
            raise AgentError(f"cannot resolve {host} to register it with RADIUS: {exc}") from None
    with agent_client_for(server) as agent:
        agent.client_put(address=address, secret=secret, shortname=name)
    return address
